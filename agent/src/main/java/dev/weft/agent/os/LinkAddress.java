package dev.weft.agent.os;

import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An address assigned to an interface, with its prefix length (host bits kept, as in
 * "10.1.15.0/16" on flannel0), IFA_F_* flags and scope.
 */
public record LinkAddress(int linkIndex, InetAddress address, int prefixLength, int flags, int scope) {

    static LinkAddress decode(NetlinkMessage message) {
        var body = message.body();
        int prefixLength = body.get(1) & 0xff;
        int flags = body.get(2) & 0xff;
        int scope = body.get(3) & 0xff;
        int index = body.getInt(4);
        RtAttributes attrs = message.attributes(Rtnl.IFADDRMSG_SIZE);
        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on point-to-point links.
        InetAddress address = attrs.has(Rtnl.IFA_LOCAL) ? attrs.address(Rtnl.IFA_LOCAL) : attrs.address(Rtnl.IFA_ADDRESS);
        // IFA_FLAGS carries all 32 bits; the header byte only the low 8.
        return new LinkAddress(index, address, prefixLength, attrs.u32(Rtnl.IFA_FLAGS, flags), scope);
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    public boolean isPermanent() {
        return (flags & Rtnl.IFA_F_PERMANENT) != 0;
    }

    /** An IPv6 privacy (temporary) address; for IPv4 the same bit means secondary. */
    public boolean isTemporary() {
        return (flags & Rtnl.IFA_F_TEMPORARY) != 0;
    }

    public boolean isDeprecated() {
        return (flags & Rtnl.IFA_F_DEPRECATED) != 0;
    }

    public boolean isTentative() {
        return (flags & Rtnl.IFA_F_TENTATIVE) != 0;
    }

    @Override
    public String toString() {
        return IpAddresses.format(address) + "/" + prefixLength + " on link " + linkIndex
            + " flags 0x" + Integer.toHexString(flags) + " scope " + scope;
    }
}
