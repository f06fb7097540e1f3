package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Decoding replies written by hand in the kernel's layout (little-endian host). */
class NetlinkReplyTest {

    @BeforeAll
    static void littleEndianHost() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder());
    }

    /** NLMSG_ERROR, capped: {int error = -17; the echoed request's nlmsghdr}. */
    private static final String EEXIST_ERROR = """
        24000000 0200 0001 09000000 d2040000
        efffffff
        2c000000 1800 0506 09000000 00000000
        """;

    @Test
    void errorMinus17BecomesFileExistsNamingTheOperation() {
        ReplyCollector reply = new ReplyCollector(9, () -> "route add 10.1.0.0/16 dev flannel0");

        NetlinkException e = assertThrows(NetlinkException.class, () -> reply.accept(Bytes.buffer(EEXIST_ERROR)));

        assertEquals("route add 10.1.0.0/16 dev flannel0: File exists (EEXIST)", e.getMessage());
        assertEquals(Errno.EEXIST, e.errno());
        assertNull(e.kernelMessage());
    }

    @Test
    void extendedAckTextIsAppended() {
        // flags CAPPED|ACK_TLVS; after the echoed header: NLMSGERR_ATTR_MSG "Nexthop has invalid gateway\0" (28 bytes)
        String bytes = """
            44000000 0200 0003 04000000 d2040000
            eaffffff
            2c000000 1800 0506 04000000 00000000
            2000 0100 4e657874 686f7020 68617320 696e7661 6c696420 67617465 77617900
            """;
        ReplyCollector reply = new ReplyCollector(4, () -> "route add 10.3.0.0/24 via 10.9.9.9 dev eth0");

        NetlinkException e = assertThrows(NetlinkException.class, () -> reply.accept(Bytes.buffer(bytes)));

        assertEquals("route add 10.3.0.0/24 via 10.9.9.9 dev eth0: Invalid argument (EINVAL)"
            + " - kernel says: Nexthop has invalid gateway", e.getMessage());
        assertEquals("Nexthop has invalid gateway", e.kernelMessage());
    }

    @Test
    void errorZeroIsTheAck() throws Exception {
        ReplyCollector reply = new ReplyCollector(9, () -> "link set dev flannel0 up");

        assertTrue(reply.accept(Bytes.buffer(EEXIST_ERROR.replace("efffffff", "00000000"))));
        assertTrue(reply.messages().isEmpty());
    }

    private static final String LO = """
        30000000 1000 0200 03000000 d2040000
        00 00 0403 01000000 49000100 00000000
        0700 0300 6c6f0000
        0800 0400 00000100
        """;
    private static final String FLANNEL0 = """
        38000000 1000 0200 03000000 d2040000
        00 00 feff 05000000 91000100 00000000
        0d00 0300 666c616e 6e656c30 00000000
        0800 0400 c0050000
        """;
    private static final String STALE_FROM_SEQ_2 = """
        14000000 0300 0200 02000000 d2040000
        00000000
        """;
    private static final String DONE = """
        14000000 0300 0200 03000000 d2040000
        00000000
        """;

    @Test
    void multipartDumpIsCollectedAcrossDatagramsUntilDone() throws Exception {
        ReplyCollector reply = new ReplyCollector(3, () -> "link list");

        assertFalse(reply.accept(Bytes.buffer(STALE_FROM_SEQ_2 + LO)));
        assertTrue(reply.accept(Bytes.buffer(FLANNEL0 + DONE)));

        List<Link> links = reply.messages().stream().map(Link::decode).toList();
        assertEquals(2, links.size());
        assertEquals(new Link(1, "lo", 65536, 0x10049, new byte[0], ""), links.get(0));
        Link flannel = links.get(1);
        assertEquals("flannel0", flannel.name());
        assertEquals(5, flannel.index());
        assertEquals(1472, flannel.mtu());
        assertTrue(flannel.isUp());
        assertTrue(flannel.hasCarrier());
    }

    @Test
    void doneCarryingAnErrorFailsTheDump() {
        ReplyCollector reply = new ReplyCollector(3, () -> "route list");

        NetlinkException e = assertThrows(NetlinkException.class,
            () -> reply.accept(Bytes.buffer(DONE.replace("\n00000000", "\nfcffffff"))));
        assertEquals("route list: Interrupted system call (EINTR)", e.getMessage());
    }

    @Test
    void truncatedMessageIsRejectedWithItsOffset() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> NetlinkMessage.parseAll(Bytes.buffer("40000000 1000 0200 03000000 d2040000 00000000")));
        assertEquals("malformed netlink message at offset 0: length 64, 20 bytes left", e.getMessage());
    }

    @Test
    void defaultRouteDecodes() {
        String bytes = """
            3c000000 1800 0200 05000000 d2040000
            02 00 00 00 fe 03 00 01 00000000
            0800 0f00 fe000000
            0800 0500 c0a80101
            0800 0400 02000000
            0800 0600 64000000
            """;
        Route route = Route.decode(NetlinkMessage.parseAll(Bytes.buffer(bytes)).get(0));

        assertTrue(route.isDefault());
        assertEquals(Cidr.parse("0.0.0.0/0"), route.destination());
        assertEquals(IpAddresses.parse("192.168.1.1"), route.gateway());
        assertEquals(2, route.linkIndex());
        assertEquals(Rtnl.RT_TABLE_MAIN, route.table());
        assertEquals(100, route.priority());
        assertEquals("default via 192.168.1.1 dev eth0", route.describe("eth0"));
    }

    @Test
    void ipv6AddressFlagsComeFromIfaFlags() {
        // ifaddrmsg AF_INET6 /64 flags 0x80 scope 0 index 3; IFA_ADDRESS fd00::5; IFA_FLAGS 0xa1 (PERMANENT|DEPRECATED|TEMPORARY)
        String bytes = """
            34000000 1400 0200 06000000 d2040000
            0a 40 80 00 03000000
            1400 0100 fd000000 00000000 00000000 00000005
            0800 0800 a1000000
            """;
        LinkAddress address = LinkAddress.decode(NetlinkMessage.parseAll(Bytes.buffer(bytes)).get(0));

        assertEquals(IpAddresses.parse("fd00::5"), address.address());
        assertEquals(64, address.prefixLength());
        assertEquals(3, address.linkIndex());
        assertFalse(address.isIpv4());
        assertTrue(address.isPermanent());
        assertTrue(address.isDeprecated());
        assertTrue(address.isTemporary());
        assertFalse(address.isTentative());
    }

    @Test
    void nestedAttributesDecode() {
        // ifinfomsg, then IFLA_LINKINFO { IFLA_INFO_KIND "tun" }, hardware address 02:00:00:00:00:01
        String bytes = """
            38000000 1000 0000 01000000 00000000
            00 00 0100 04000000 00000000 00000000
            0c00 1200 0800 0100 74756e00
            0a00 0100 02000000 0001 0000
            """;
        Link link = Link.decode(NetlinkMessage.parseAll(Bytes.buffer(bytes)).get(0));

        assertEquals("tun", link.kind());
        assertArrayEquals(new byte[] {2, 0, 0, 0, 0, 1}, link.hardwareAddress());
        assertFalse(link.isUp());
    }
}
