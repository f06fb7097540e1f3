package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * VXLAN devices, neighbours and FDB entries made through RouteNetlink and read back with `ip` and
 * `bridge`, inside a namespace this test creates (a veth wd0 192.168.60.1/24 is the underlay).
 */
class VxlanNetlinkNamespaceTest {
    private static final MacAddress MAC = MacAddress.parse("0e:11:22:33:44:55");
    private static final MacAddress PEER_MAC = MacAddress.parse("0e:aa:bb:cc:dd:ee");
    private static final Inet4Address LOCAL = IpAddresses.parseIpv4("192.168.60.1");
    private TestNetns ns;
    private RouteNetlink netlink;
    private int wd0;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = TestNetns.create();
        ns.addUnderlay("192.168.60.1/24");
        netlink = ns.netlink(); // closed with the namespace
        wd0 = netlink.linkByName("wd0").orElseThrow().index();
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void createsAVxlanDeviceAsIpShowsItAndReadsItsParametersBack() throws Exception {
        VxlanParams params = new VxlanParams(1, LOCAL, wd0, 8472, false, false);
        int index = netlink.addVxlan("flannel.1", params, 1450, MAC);
        netlink.setLinkUp(index);

        String shown = ns.ip("-d", "-o", "link", "show", "dev", "flannel.1");
        assertTrue(shown.contains("mtu 1450"), shown);
        assertTrue(shown.contains("link/ether 0e:11:22:33:44:55"), shown);
        assertTrue(shown.contains("vxlan id 1 local 192.168.60.1 dev wd0 srcport 0 0 dstport 8472 nolearning"), shown);
        assertEquals(Optional.of(params), netlink.vxlanParams(index));
        assertEquals("vxlan", netlink.link(index).orElseThrow().kind());
        assertEquals(Optional.empty(), netlink.vxlanParams(wd0), "a veth is no VXLAN device");

        NetlinkException exists = assertThrows(NetlinkException.class, () -> netlink.addVxlan("flannel.1", params, 1450, MAC));
        assertEquals(Errno.EEXIST, exists.errno());
        assertTrue(exists.getMessage().startsWith("link add flannel.1 mtu 1450 address 0e:11:22:33:44:55 type vxlan id 1"),
            exists.getMessage());

        netlink.deleteLink(index);
        assertTrue(netlink.linkByName("flannel.1").isEmpty());
        assertEquals(Optional.empty(), netlink.vxlanParams(index));
    }

    @Test
    void gbpAndLearningAndAnotherPortAreKept() throws Exception {
        VxlanParams params = new VxlanParams(7, LOCAL, wd0, 4789, true, true);
        int index = netlink.addVxlan("flannel.7", params, 1400, MAC);

        String shown = ns.ip("-d", "-o", "link", "show", "dev", "flannel.7");
        assertTrue(shown.contains("vxlan id 7 local 192.168.60.1 dev wd0 srcport 0 0 dstport 4789 ") && shown.contains(" gbp "), shown);
        assertEquals(Optional.of(params), netlink.vxlanParams(index));
    }

    @Test
    void permanentNeighbourFdbEntryAndOnlinkRoutePerPeerAsFlannelProgramsThem() throws Exception {
        int index = netlink.addVxlan("flannel.1", new VxlanParams(1, LOCAL, wd0, 8472, false, false), 1450, MAC);
        netlink.setLinkUp(index);
        Inet4Address peerVtep = IpAddresses.parseIpv4("10.1.2.0");
        Inet4Address peerPublic = IpAddresses.parseIpv4("192.168.60.2");

        netlink.replaceNeighbour(index, peerVtep, PEER_MAC);
        netlink.replaceFdb(index, PEER_MAC, peerPublic);
        netlink.replaceRoute(Route.via(Cidr.parse("10.1.2.0/24"), peerVtep, index).withOnLink());

        assertEquals("10.1.2.0 lladdr 0e:aa:bb:cc:dd:ee PERMANENT", ns.ip("neigh", "show", "dev", "flannel.1").trim());
        String fdb = TestNetns.runCommand("ip", "netns", "exec", ns.name(), "bridge", "fdb", "show", "dev", "flannel.1");
        assertTrue(fdb.contains("0e:aa:bb:cc:dd:ee dst 192.168.60.2 self permanent"), fdb);
        assertEquals("10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink", ns.ip("route", "show", "10.1.2.0/24").trim());
        List<Neighbour> neighbours = netlink.neighbours(LibC.AF_INET, index);
        assertEquals(1, neighbours.size());
        assertEquals(PEER_MAC, neighbours.get(0).mac());
        assertTrue(neighbours.get(0).isPermanent());
        assertTrue(netlink.neighbours(Rtnl.AF_BRIDGE, index).stream()
            .anyMatch(n -> PEER_MAC.equals(n.mac()) && peerPublic.equals(n.address()) && n.isPermanent()));

        // The peer moved host: replacing points the MAC at its new address, no duplicate.
        netlink.replaceFdb(index, PEER_MAC, IpAddresses.parseIpv4("192.168.60.3"));
        fdb = TestNetns.runCommand("ip", "netns", "exec", ns.name(), "bridge", "fdb", "show", "dev", "flannel.1");
        assertTrue(fdb.contains("0e:aa:bb:cc:dd:ee dst 192.168.60.3 self permanent") && !fdb.contains("192.168.60.2"), fdb);

        netlink.deleteFdb(index, PEER_MAC, IpAddresses.parseIpv4("192.168.60.3"));
        netlink.deleteNeighbour(index, peerVtep);
        assertEquals("", ns.ip("neigh", "show", "dev", "flannel.1").trim());
        fdb = TestNetns.runCommand("ip", "netns", "exec", ns.name(), "bridge", "fdb", "show", "dev", "flannel.1");
        assertTrue(!fdb.contains("0e:aa:bb:cc:dd:ee"), fdb);
        NetlinkException gone = assertThrows(NetlinkException.class, () -> netlink.deleteNeighbour(index, peerVtep));
        assertEquals(Errno.ENOENT, gone.errno());
        assertTrue(gone.getMessage().startsWith("neigh del 10.1.2.0 dev flannel.1: No such file or directory"), gone.getMessage());
    }
}
