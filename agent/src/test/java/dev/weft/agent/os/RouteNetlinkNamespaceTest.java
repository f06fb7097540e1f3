package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.InetAddress;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * RouteNetlink against the real kernel, inside a namespace this test creates. A veth link
 * wd0 (192.168.50.1/24, fd00:50::1/64; its peer wd0p is up too so wd0 has carrier) stands in
 * for the host's external interface. (This kernel has no dummy driver; veth it has.)
 */
class RouteNetlinkNamespaceTest {
    private TestNetns ns;
    private RouteNetlink netlink;
    private int wd0;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = TestNetns.create();
        ns.addUnderlay("192.168.50.1/24");
        ns.ip("-6", "addr", "add", "fd00:50::1/64", "dev", "wd0", "nodad");
        netlink = ns.netlink(); // closed with the namespace
        wd0 = netlink.linkByName("wd0").orElseThrow().index();
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    private static InetAddress ip(String text) {
        return IpAddresses.parse(text);
    }

    @Test
    void seesOnlyTheNamespacesLinks() throws Exception {
        List<String> names = netlink.links().stream().map(Link::name).sorted().toList();

        assertEquals(List.of("lo", "wd0", "wd0p"), names);
    }

    @Test
    void linkByNameReportsWhatIpShows() throws Exception {
        Link link = netlink.linkByName("wd0").orElseThrow();

        String shown = ns.ip("-o", "link", "show", "dev", "wd0");
        assertTrue(shown.startsWith(link.index() + ": wd0@wd0p:"), shown);
        assertTrue(shown.contains("mtu " + link.mtu() + " "), shown);
        assertTrue(shown.contains("link/ether " + HexFormat.ofDelimiter(":").formatHex(link.hardwareAddress())), shown);
        assertEquals("veth", link.kind());
        assertTrue(link.isUp());
        assertEquals(link, netlink.link(link.index()).orElseThrow());
    }

    @Test
    void missingLinkIsEmptyAndChangingItNamesTheLink() throws Exception {
        assertTrue(netlink.linkByName("nosuch0").isEmpty());
        assertTrue(netlink.link(9999).isEmpty());

        NetlinkException e = assertThrows(NetlinkException.class, () -> netlink.setMtu(9999, 1400));
        assertEquals(Errno.ENODEV, e.errno());
        assertTrue(e.getMessage().startsWith("link set dev #9999 mtu 1400: No such device (ENODEV)"), e.getMessage());
    }

    @Test
    void setsMtuAndUp() throws Exception {
        ns.ip("link", "add", "wd1", "type", "bridge");
        int wd1 = netlink.linkByName("wd1").orElseThrow().index();
        assertFalse(netlink.link(wd1).orElseThrow().isUp());

        netlink.setMtu(wd1, 1472);
        netlink.setLinkUp(wd1);

        Link link = netlink.link(wd1).orElseThrow();
        assertEquals(1472, link.mtu());
        assertTrue(link.isUp());
        String shown = ns.ip("-o", "link", "show", "dev", "wd1");
        assertTrue(shown.contains("mtu 1472") && shown.contains(",UP"), shown);
    }

    @Test
    void addsListsAndDeletesAddresses() throws Exception {
        netlink.addAddress(wd0, ip("10.1.15.0"), 16);
        netlink.addAddress(wd0, ip("fd00:60::7"), 64);

        String v4 = ns.ip("-o", "-4", "addr", "show", "dev", "wd0");
        assertTrue(v4.contains("inet 10.1.15.0/16 brd 10.1.255.255 scope global"), v4);
        assertTrue(ns.ip("-o", "-6", "addr", "show", "dev", "wd0").contains("inet6 fd00:60::7/64 scope global"));

        List<LinkAddress> addresses = netlink.addresses(wd0);
        LinkAddress ours = addresses.stream().filter(a -> a.address().equals(ip("10.1.15.0"))).findFirst().orElseThrow();
        assertEquals(16, ours.prefixLength());
        assertTrue(ours.isIpv4());
        assertTrue(ours.isPermanent());
        assertEquals(Rtnl.RT_SCOPE_UNIVERSE, ours.scope());
        LinkAddress v6 = addresses.stream().filter(a -> a.address().equals(ip("fd00:60::7"))).findFirst().orElseThrow();
        assertEquals(64, v6.prefixLength());
        assertTrue(v6.isPermanent());
        assertTrue(addresses.stream().anyMatch(a -> a.address().equals(ip("192.168.50.1")) && a.prefixLength() == 24));
        assertTrue(addresses.stream().allMatch(a -> a.linkIndex() == wd0));

        NetlinkException again = assertThrows(NetlinkException.class, () -> netlink.addAddress(wd0, ip("10.1.15.0"), 16));
        assertEquals(Errno.EEXIST, again.errno());
        assertTrue(again.getMessage().startsWith("address add 10.1.15.0/16 dev wd0: File exists (EEXIST)"), again.getMessage());

        netlink.deleteAddress(wd0, ip("10.1.15.0"), 16);
        assertFalse(ns.ip("-o", "-4", "addr", "show", "dev", "wd0").contains("10.1.15.0"));
        assertTrue(netlink.addresses(wd0).stream().noneMatch(a -> a.address().equals(ip("10.1.15.0"))));
    }

    /** `ip route` leaves out "proto boot", the protocol our routes carry, as it is the default. */
    @Test
    void addsReplacesAndDeletesRoutes() throws Exception {
        Route route = Route.via(Cidr.parse("10.2.0.0/16"), ip("192.168.50.2"), wd0);

        netlink.addRoute(route);
        assertEquals("10.2.0.0/16 via 192.168.50.2 dev wd0", ns.ip("route", "show", "10.2.0.0/16").trim());

        NetlinkException exists = assertThrows(NetlinkException.class, () -> netlink.addRoute(route));
        assertEquals(Errno.EEXIST, exists.errno());
        assertTrue(exists.getMessage().startsWith("route add 10.2.0.0/16 via 192.168.50.2 dev wd0: File exists (EEXIST)"),
            exists.getMessage());

        netlink.replaceRoute(Route.via(Cidr.parse("10.2.0.0/16"), ip("192.168.50.3"), wd0));
        assertEquals("10.2.0.0/16 via 192.168.50.3 dev wd0", ns.ip("route", "show", "10.2.0.0/16").trim());
        Route listed = netlink.routes(LibC.AF_INET).stream()
            .filter(r -> r.destination().equals(Cidr.parse("10.2.0.0/16"))).findFirst().orElseThrow();
        assertEquals(ip("192.168.50.3"), listed.gateway());
        assertEquals(wd0, listed.linkIndex());
        assertEquals(Rtnl.RT_TABLE_MAIN, listed.table());

        netlink.deleteRoute(Route.toLink(Cidr.parse("10.2.0.0/16"), wd0));
        assertEquals("", ns.ip("route", "show", "10.2.0.0/16").trim());
        NetlinkException gone = assertThrows(NetlinkException.class,
            () -> netlink.deleteRoute(Route.toLink(Cidr.parse("10.2.0.0/16"), wd0)));
        assertEquals(Errno.ESRCH, gone.errno());
        assertTrue(gone.getMessage().startsWith("route del 10.2.0.0/16 dev wd0: No such process (ESRCH)"), gone.getMessage());
    }

    @Test
    void onlinkGatewayOutsideEverySubnetNeedsTheFlag() throws Exception {
        Route route = Route.via(Cidr.parse("10.1.20.0/24"), ip("10.1.20.0"), wd0);

        NetlinkException refused = assertThrows(NetlinkException.class, () -> netlink.replaceRoute(route));
        assertEquals(Errno.ENETUNREACH, refused.errno());
        assertTrue(refused.getMessage().startsWith("route replace 10.1.20.0/24 via 10.1.20.0 dev wd0: Network is unreachable"),
            refused.getMessage());

        netlink.replaceRoute(route.withOnLink());
        assertEquals("10.1.20.0/24 via 10.1.20.0 dev wd0 onlink", ns.ip("route", "show", "10.1.20.0/24").trim());
    }

    @Test
    void routeToLinkWithScopeLinkAndIpv6Route() throws Exception {
        netlink.addRoute(Route.toLink(Cidr.parse("10.5.0.0/16"), wd0).withScope(Rtnl.RT_SCOPE_LINK));
        netlink.addRoute(Route.via(Cidr.parse("fd00:99::/64"), ip("fd00:50::2"), wd0).withPriority(50));

        assertEquals("10.5.0.0/16 dev wd0 scope link", ns.ip("route", "show", "10.5.0.0/16").trim());
        assertEquals("fd00:99::/64 via fd00:50::2 dev wd0 metric 50 pref medium",
            ns.ip("-6", "route", "show", "fd00:99::/64").trim());
        Route v6 = netlink.routes(LibC.AF_INET6).stream()
            .filter(r -> r.destination().equals(Cidr.parse("fd00:99::/64"))).findFirst().orElseThrow();
        assertEquals(ip("fd00:50::2"), v6.gateway());
        assertEquals(50, v6.priority());
    }

    @Test
    void defaultRouteAndRouteLookup() throws Exception {
        assertTrue(netlink.defaultRoute().isEmpty());
        NetlinkException unreachable = assertThrows(NetlinkException.class, () -> netlink.routeTo(ip("203.0.113.1")));
        assertEquals(Errno.ENETUNREACH, unreachable.errno());
        assertTrue(unreachable.getMessage().startsWith("route get 203.0.113.1: Network is unreachable (ENETUNREACH)"),
            unreachable.getMessage());

        netlink.addRoute(Route.via(Cidr.parse("0.0.0.0/0"), ip("192.168.50.254"), wd0));
        netlink.addRoute(Route.via(Cidr.parse("::/0"), ip("fd00:50::fe"), wd0));

        Route defaultRoute = netlink.defaultRoute().orElseThrow();
        assertEquals(ip("192.168.50.254"), defaultRoute.gateway());
        assertEquals(wd0, defaultRoute.linkIndex());
        assertTrue(ns.ip("route", "show", "default").contains("default via 192.168.50.254 dev wd0"));
        Route defaultRoute6 = netlink.defaultRoute6().orElseThrow();
        assertEquals(ip("fd00:50::fe"), defaultRoute6.gateway());

        Route far = netlink.routeTo(ip("203.0.113.1"));
        assertEquals(wd0, far.linkIndex());
        assertEquals(ip("192.168.50.254"), far.gateway());
        assertEquals(ip("192.168.50.1"), far.preferredSource());
        assertEquals(Cidr.parse("203.0.113.1/32"), far.destination());

        Route near = netlink.routeTo(ip("192.168.50.9"));
        assertEquals(wd0, near.linkIndex());
        assertNull(near.gateway());

        Route far6 = netlink.routeTo(ip("2001:db8::1"));
        assertEquals(wd0, far6.linkIndex());
        assertEquals(ip("fd00:50::fe"), far6.gateway());
    }
}
