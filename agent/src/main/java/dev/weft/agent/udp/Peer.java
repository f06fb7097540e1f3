package dev.weft.agent.udp;

import dev.weft.core.net.Cidr;
import java.net.Inet4Address;
import dev.weft.core.net.IpAddresses;

/**
 * A remote host as the UDP backend sees it: its subnet and where to send that subnet's packets.
 * The address is also kept as an int, which the data path hands to sendmsg without allocating.
 */
record Peer(Cidr subnet, Inet4Address publicIp, int publicIpInt) {

    static Peer of(Cidr subnet, Inet4Address publicIp) {
        return new Peer(subnet, publicIp, IpAddresses.toInt(publicIp));
    }
}
