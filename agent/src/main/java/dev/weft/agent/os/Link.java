package dev.weft.agent.os;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A network interface as rtnetlink reports it.
 *
 * @param kind the IFLA_INFO_KIND ("tun", "dummy", "vxlan", "veth"...), or "" for devices without one
 */
public record Link(int index, String name, int mtu, int flags, byte[] hardwareAddress, String kind) {

    public Link {
        hardwareAddress = hardwareAddress == null ? new byte[0] : hardwareAddress.clone();
        kind = kind == null ? "" : kind;
    }

    static Link decode(NetlinkMessage message) {
        var body = message.body();
        int index = body.getInt(4);
        int flags = body.getInt(8);
        RtAttributes attrs = message.attributes(Rtnl.IFINFOMSG_SIZE);
        return new Link(index, attrs.string(Rtnl.IFLA_IFNAME), attrs.u32(Rtnl.IFLA_MTU, 0), flags,
            attrs.bytes(Rtnl.IFLA_ADDRESS), attrs.nested(Rtnl.IFLA_LINKINFO).string(Rtnl.IFLA_INFO_KIND));
    }

    @Override
    public byte[] hardwareAddress() {
        return hardwareAddress.clone();
    }

    /** Administratively up (IFF_UP). */
    public boolean isUp() {
        return (flags & Rtnl.IFF_UP) != 0;
    }

    /** The carrier is up (IFF_LOWER_UP): a TUN has it only while its file is open. */
    public boolean hasCarrier() {
        return (flags & Rtnl.IFF_LOWER_UP) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Link l && index == l.index && mtu == l.mtu && flags == l.flags
            && name.equals(l.name) && kind.equals(l.kind) && Arrays.equals(hardwareAddress, l.hardwareAddress);
    }

    @Override
    public int hashCode() {
        return 31 * index + name.hashCode();
    }

    @Override
    public String toString() {
        return "Link[" + index + ": " + name + (kind.isEmpty() ? "" : " " + kind) + " mtu " + mtu
            + " flags 0x" + Integer.toHexString(flags)
            + (hardwareAddress.length == 0 ? "" : " " + HexFormat.ofDelimiter(":").formatHex(hardwareAddress)) + "]";
    }
}
