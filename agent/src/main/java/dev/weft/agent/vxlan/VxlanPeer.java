package dev.weft.agent.vxlan;

import dev.weft.agent.os.MacAddress;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;

/**
 * What is programmed for one peer: through the VXLAN device (neighbour subnet.IP → vtepMac, FDB
 * vtepMac → publicIp, route subnet via subnet.IP onlink) or, with DirectRouting to a peer on the same
 * L2 network, a plain route subnet via publicIp.
 */
record VxlanPeer(Cidr subnet, Inet4Address publicIp, MacAddress vtepMac, boolean direct) {

    Inet4Address vtepIp() {
        return (Inet4Address) subnet.address();
    }

    @Override
    public String toString() {
        return subnet + " at " + IpAddresses.format(publicIp) + (direct ? " (direct route)" : " vtep " + vtepMac);
    }
}
