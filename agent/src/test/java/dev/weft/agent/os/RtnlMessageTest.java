package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.nio.ByteOrder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Requests compared byte for byte with layouts worked out by hand from linux/netlink.h
 * (nlmsghdr 16 bytes), if_link.h (ifinfomsg 16), if_addr.h (ifaddrmsg 8), rtnetlink.h
 * (rtmsg 12, rtattr 4 + value padded to 4). Integers are little-endian (x86-64).
 */
class RtnlMessageTest {

    @BeforeAll
    static void littleEndianHost() {
        assertEquals(ByteOrder.LITTLE_ENDIAN, ByteOrder.nativeOrder(), "the expected bytes below are written for a little-endian host");
    }

    private static void assertBytes(String expected, byte[] actual) {
        assertEquals(Bytes.hex(Bytes.hex(expected)), Bytes.hex(actual));
    }

    @Test
    void routeAddToLinkIsHeaderRtmsgDstAndOif() {
        RtnlMessage message = RouteNetlink.routeMessage(Rtnl.RTM_NEWROUTE,
            Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL,
            Route.toLink(Cidr.parse("10.1.0.0/16"), 5));

        assertBytes("""
            2c000000 1800 0506 01000000 00000000
            02 10 00 00 fe 03 00 01 00000000
            0800 0100 0a010000
            0800 0400 05000000
            """, message.toBytes(1, 0));
        // len 44 | RTM_NEWROUTE 24 | REQUEST|ACK|EXCL|CREATE = 0x605 | seq 1 | port 0
        // AF_INET, dst_len 16, src_len 0, tos 0, table main 254, proto boot 3, scope universe 0, unicast 1, flags 0
        // RTA_DST 10.1.0.0 ; RTA_OIF 5
    }

    @Test
    void onlinkRouteViaGatewayCarriesTheFlagAndGateway() {
        Route route = Route.via(Cidr.parse("10.1.20.0/24"), IpAddresses.parse("10.1.20.0"), 7).withOnLink();
        RtnlMessage message = RouteNetlink.routeMessage(Rtnl.RTM_NEWROUTE,
            Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE, route);

        assertBytes("""
            34000000 1800 0505 02000000 00000000
            02 18 00 00 fe 03 00 01 04000000
            0800 0100 0a011400
            0800 0500 0a011400
            0800 0400 07000000
            """, message.toBytes(2, 0));
    }

    @Test
    void ipv6DefaultRouteHasNoDstAttributeAndA16ByteGateway() {
        Route route = Route.via(Cidr.parse("::/0"), IpAddresses.parse("fe80::1"), 3);
        RtnlMessage message = RouteNetlink.routeMessage(Rtnl.RTM_NEWROUTE, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, route);

        assertBytes("""
            38000000 1800 0500 03000000 00000000
            0a 00 00 00 fe 03 00 01 00000000
            1400 0500 fe800000 00000000 00000000 00000001
            0800 0400 03000000
            """, message.toBytes(3, 0));
    }

    @Test
    void routeDeleteMatchesLooselyLikeIpRouteDel() {
        RtnlMessage message = RouteNetlink.routeMessage(Rtnl.RTM_DELROUTE, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK,
            new Route(Cidr.parse("10.1.0.0/16"), null, 5, Rtnl.RT_TABLE_MAIN, Rtnl.RT_SCOPE_NOWHERE,
                Rtnl.RTN_UNICAST, Rtnl.RTPROT_UNSPEC, 0, null, 0));

        assertBytes("""
            2c000000 1900 0500 04000000 00000000
            02 10 00 00 fe 00 ff 01 00000000
            0800 0100 0a010000
            0800 0400 05000000
            """, message.toBytes(4, 0));
    }

    @Test
    void addressAddCarriesLocalAddressAndBroadcast() {
        RtnlMessage message = RouteNetlink.addressMessage(Rtnl.RTM_NEWADDR,
            Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL,
            7, IpAddresses.parse("10.1.15.0"), 16);

        assertBytes("""
            30000000 1400 0506 05000000 00000000
            02 10 00 00 07000000
            0800 0200 0a010f00
            0800 0100 0a010f00
            0800 0400 0a01ffff
            """, message.toBytes(5, 0));
    }

    @Test
    void linkByNamePadsTheNulTerminatedNameToFourBytes() {
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_GETLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK)
            .ifinfomsg(0, 0, 0, 0, 0)
            .attrString(Rtnl.IFLA_IFNAME, "flannel0");

        // "flannel0" + NUL = 9 bytes: rta_len 13, padded with 3 zero bytes to 16
        assertBytes("""
            30000000 1200 0500 07000000 00000000
            00 00 0000 00000000 00000000 00000000
            0d00 0300 666c616e 6e656c30 00000000
            """, message.toBytes(7, 0));
    }

    @Test
    void linkUpSetsFlagAndChangeMask() {
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK)
            .ifinfomsg(0, 0, 5, Rtnl.IFF_UP, Rtnl.IFF_UP)
            .attrU32(Rtnl.IFLA_MTU, 1472);

        assertBytes("""
            28000000 1000 0500 08000000 00000000
            00 00 0000 05000000 01000000 01000000
            0800 0400 c0050000
            """, message.toBytes(8, 0));
    }

    @Test
    void nestedAttributeLengthCoversPaddedChildren() {
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_REQUEST)
            .ifinfomsg(0, 0, 0, 0, 0);
        int linkInfo = message.beginNested(Rtnl.IFLA_LINKINFO);
        message.attrString(Rtnl.IFLA_INFO_KIND, "vxlan");
        int data = message.beginNested(Rtnl.IFLA_INFO_DATA);
        message.attrU32(1, 1); // IFLA_VXLAN_ID 1
        message.attrU16(15, 0x2118); // IFLA_VXLAN_PORT (a u16 value, padded)
        message.endNested(data);
        message.endNested(linkInfo);

        assertBytes("""
            44000000 1000 0100 09000000 00000000
            00 00 0000 00000000 00000000 00000000
            2400 1200
              0a00 0100 7678 6c61 6e00 0000
              1400 0200
                0800 0100 01000000
                0600 0f00 1821 0000
            """, message.toBytes(9, 0));
    }

    @Test
    void growsPastItsInitialBuffer() {
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_NEWLINK, Rtnl.NLM_F_REQUEST).ifinfomsg(0, 0, 0, 0, 0);
        for (int i = 0; i < 100; i++) {
            message.attrU32(100 + i, i);
        }
        byte[] bytes = message.toBytes(1, 0);
        assertEquals(16 + 16 + 100 * 8, bytes.length);
        assertEquals(bytes.length, java.nio.ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getInt(0));
    }
}
