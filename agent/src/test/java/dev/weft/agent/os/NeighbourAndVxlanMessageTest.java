package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * VXLAN link, neighbour and FDB requests byte for byte, laid out by hand from linux/if_link.h
 * (IFLA_VXLAN_*: ID 1, LINK 3, LOCAL 4, LEARNING 7, PORT 15 big-endian, GBP 23 a flag) and
 * linux/neighbour.h (struct ndmsg: 12 bytes; NDA_DST 1, NDA_LLADDR 2). Little-endian host.
 */
class NeighbourAndVxlanMessageTest {
    private static final MacAddress MAC = MacAddress.parse("02:00:00:00:00:01");

    @BeforeAll
    static void littleEndianHost() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder());
    }

    private static void assertBytes(String expected, byte[] actual) {
        assertEquals(Bytes.hex(Bytes.hex(expected)), Bytes.hex(actual));
    }

    @Test
    void vxlanLinkAddNestsKindAndDataWithThePortInNetworkOrder() {
        VxlanParams params = new VxlanParams(1, IpAddresses.parseIpv4("192.168.0.100"), 2, 8472, false, false);

        assertBytes("""
            80000000 1000 0506 01000000 00000000
            00 00 0000 00000000 00000000 00000000
            0e00 0300 666c616e 6e656c2e 31000000
            0800 0400 aa050000
            0a00 0100 02000000 00010000
            3c00 1200
              0a00 0100 76786c61 6e000000
              2c00 0200
                0800 0100 01000000
                0800 0300 02000000
                0800 0400 c0a80064
                0500 0700 00000000
                0600 0f00 21180000
            """, RouteNetlink.vxlanAddMessage("flannel.1", params, 1450, MAC).toBytes(1, 0));
        // len 128 | RTM_NEWLINK | REQUEST|ACK|EXCL|CREATE | name "flannel.1" | mtu 1450 | address
        // IFLA_LINKINFO { KIND "vxlan", DATA { id 1, link 2, local 192.168.0.100, learning 0, port 8472 } }
    }

    @Test
    void gbpIsAnEmptyFlagAttribute() {
        VxlanParams params = new VxlanParams(7, null, 3, 4789, true, true);
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_REQUEST);
        params.encode(message);

        assertBytes("""
            34000000 1000 0100 01000000 00000000
            0800 0100 07000000
            0800 0300 03000000
            0500 0700 01000000
            0600 0f00 12b50000
            0400 1700
            """, message.toBytes(1, 0));
    }

    @Test
    void vxlanParamsDecodeWhatTheyEncode() {
        VxlanParams params = new VxlanParams(42, IpAddresses.parseIpv4("10.0.0.1"), 9, 8472, false, true);
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_REQUEST);
        params.encode(message);
        NetlinkMessage parsed = NetlinkMessage.parseAll(java.nio.ByteBuffer.wrap(message.toBytes(1, 0))).get(0);

        assertEquals(params, VxlanParams.decode(parsed.attributes(0)));
    }

    @Test
    void vxlanParamsRejectOutOfRangeValues() {
        Inet4Address local = IpAddresses.parseIpv4("10.0.0.1");
        IllegalArgumentException vni = assertThrows(IllegalArgumentException.class, () -> new VxlanParams(1 << 24, local, 1, 8472, false, false));
        assertEquals("VXLAN VNI 16777216 out of range 0..16777215", vni.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VxlanParams(1, local, 1, 0, false, false));
    }

    @Test
    void permanentNeighbourReplace() {
        RtnlMessage message = RouteNetlink.neighbourMessage(Rtnl.RTM_NEWNEIGH,
            Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE,
            LibC.AF_INET, 7, Rtnl.NUD_PERMANENT, 0, IpAddresses.parse("10.1.2.0"), MAC);

        assertBytes("""
            30000000 1c00 0505 02000000 00000000
            02 00 0000 07000000 8000 00 00
            0800 0100 0a010200
            0a00 0200 02000000 00010000
            """, message.toBytes(2, 0));
        // RTM_NEWNEIGH 28 | REQUEST|ACK|REPLACE|CREATE | AF_INET, ifindex 7, NUD_PERMANENT, no flags
    }

    @Test
    void fdbEntryIsAfBridgeWithNtfSelfAndTheRemoteAsDst() {
        RtnlMessage message = RouteNetlink.neighbourMessage(Rtnl.RTM_NEWNEIGH,
            Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE,
            Rtnl.AF_BRIDGE, 7, Rtnl.NUD_PERMANENT, Rtnl.NTF_SELF, IpAddresses.parse("192.168.0.200"), MAC);

        assertBytes("""
            30000000 1c00 0505 03000000 00000000
            07 00 0000 07000000 8000 02 00
            0800 0100 c0a800c8
            0a00 0200 02000000 00010000
            """, message.toBytes(3, 0));
    }

    @Test
    void neighbourDumpIsAFamilyOnlyNdmsg() {
        RtnlMessage message = RouteNetlink.neighbourMessage(Rtnl.RTM_GETNEIGH, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP,
            Rtnl.AF_BRIDGE, 0, 0, 0, null, null);

        assertBytes("""
            1c000000 1e00 0103 04000000 00000000
            07 00 0000 00000000 0000 00 00
            """, message.toBytes(4, 0));
    }

    @Test
    void neighbourDecodesStateFlagsAndAddresses() {
        RtnlMessage message = RouteNetlink.neighbourMessage(Rtnl.RTM_NEWNEIGH, 0, Rtnl.AF_BRIDGE, 7,
            Rtnl.NUD_PERMANENT, Rtnl.NTF_SELF, IpAddresses.parse("192.168.0.200"), MAC);
        Neighbour n = Neighbour.decode(NetlinkMessage.parseAll(java.nio.ByteBuffer.wrap(message.toBytes(1, 0))).get(0));

        assertEquals(Rtnl.AF_BRIDGE, n.family());
        assertEquals(7, n.linkIndex());
        assertEquals(IpAddresses.parse("192.168.0.200"), n.address());
        assertEquals(MAC, n.mac());
        assertTrue(n.isPermanent());
        assertEquals(Rtnl.NTF_SELF, n.flags());
    }

    @Test
    void macAddressParsesAndPrintsLikeGo() {
        assertEquals("0a:bc:00:11:22:ff", MacAddress.parse("0A:BC:00:11:22:FF").toString());
        assertEquals(MacAddress.parse("0a:bc:00:11:22:ff"), MacAddress.of(new byte[] {0x0a, (byte) 0xbc, 0, 0x11, 0x22, (byte) 0xff}));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("0a:bc:00:11:22"));
        assertEquals("invalid MAC address \"0a:bc:00:11:22\": expected six hex pairs like aa:bb:cc:dd:ee:ff", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[5]));
        assertFalse(MacAddress.parse("00:00:00:00:00:01").equals(MacAddress.parse("00:00:00:00:00:02")));
    }
}
