package dev.weft.agent.os;

import dev.weft.core.net.IpAddresses;
import java.net.InetAddress;

/**
 * A neighbour (ARP) entry, or with family {@link Rtnl#AF_BRIDGE} a forwarding database entry of a
 * device such as VXLAN's (MAC → remote address).
 *
 * @param address NDA_DST: the neighbour's IP, or for an FDB entry the remote VTEP's address (null if none)
 * @param mac     NDA_LLADDR, or null
 * @param state   NUD_* bits
 * @param flags   NTF_* bits
 */
public record Neighbour(int family, int linkIndex, InetAddress address, MacAddress mac, int state, int flags) {

    static Neighbour decode(NetlinkMessage message) {
        var body = message.body();
        int family = body.get(0) & 0xff;
        int index = body.getInt(4);
        int state = body.getShort(8) & 0xffff;
        int flags = body.get(10) & 0xff;
        RtAttributes attrs = message.attributes(Rtnl.NDMSG_SIZE);
        byte[] lladdr = attrs.bytes(Rtnl.NDA_LLADDR);
        return new Neighbour(family, index, attrs.address(Rtnl.NDA_DST),
            lladdr != null && lladdr.length == 6 ? MacAddress.of(lladdr) : null, state, flags);
    }

    public boolean isPermanent() {
        return (state & Rtnl.NUD_PERMANENT) != 0;
    }

    @Override
    public String toString() {
        return (address == null ? "-" : IpAddresses.format(address)) + " lladdr " + mac + " on link " + linkIndex
            + " family " + family + " state 0x" + Integer.toHexString(state) + " flags 0x" + Integer.toHexString(flags);
    }
}
