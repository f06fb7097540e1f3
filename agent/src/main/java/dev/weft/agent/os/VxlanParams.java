package dev.weft.agent.os;

import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * What makes a VXLAN device (the IFLA_VXLAN_* attributes Weft sets and compares).
 *
 * @param vni           VXLAN network identifier (IFLA_VXLAN_ID)
 * @param local         source address of the outer packets (IFLA_VXLAN_LOCAL), the host's public IP
 * @param underlayIndex the link the outer packets leave by (IFLA_VXLAN_LINK)
 * @param port          UDP destination port (IFLA_VXLAN_PORT)
 * @param learning      learn remote MACs from received packets (off: the agent programs the FDB)
 * @param gbp           Group Based Policy extension
 */
public record VxlanParams(int vni, Inet4Address local, int underlayIndex, int port, boolean learning, boolean gbp) {

    public VxlanParams {
        if (vni < 0 || vni > 0xffffff) {
            throw new IllegalArgumentException("VXLAN VNI " + vni + " out of range 0..16777215");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("VXLAN port " + port + " out of range 1..65535");
        }
    }

    /** Reads the parameters from a link's IFLA_INFO_DATA (absent attributes read as the kernel's defaults: none, 0, off). */
    static VxlanParams decode(RtAttributes data) {
        byte[] port = data.bytes(Rtnl.IFLA_VXLAN_PORT);
        InetAddress local = data.address(Rtnl.IFLA_VXLAN_LOCAL);
        return new VxlanParams(data.u32(Rtnl.IFLA_VXLAN_ID, 0), local instanceof Inet4Address v4 ? v4 : null,
            data.u32(Rtnl.IFLA_VXLAN_LINK, 0),
            port == null || port.length < 2 ? 8472 : ((port[0] & 0xff) << 8) | (port[1] & 0xff),
            data.u8(Rtnl.IFLA_VXLAN_LEARNING, 0) != 0, data.has(Rtnl.IFLA_VXLAN_GBP));
    }

    /** Appends IFLA_VXLAN_* attributes (inside an open IFLA_INFO_DATA). */
    void encode(RtnlMessage message) {
        message.attrU32(Rtnl.IFLA_VXLAN_ID, vni);
        message.attrU32(Rtnl.IFLA_VXLAN_LINK, underlayIndex);
        if (local != null) {
            message.attrAddress(Rtnl.IFLA_VXLAN_LOCAL, local);
        }
        message.attrU8(Rtnl.IFLA_VXLAN_LEARNING, learning ? 1 : 0);
        // The port travels in network byte order (__be16), unlike the other integers.
        message.attr(Rtnl.IFLA_VXLAN_PORT, new byte[] {(byte) (port >> 8), (byte) port});
        if (gbp) {
            message.attr(Rtnl.IFLA_VXLAN_GBP, new byte[0]);
        }
    }

    @Override
    public String toString() {
        return "vxlan id " + vni + " local " + (local == null ? "any" : IpAddresses.format(local)) + " dev #" + underlayIndex
            + " dstport " + port + (learning ? " learning" : " nolearning") + (gbp ? " gbp" : "");
    }
}
