package dev.weft.agent.vxlan;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.os.TestNetns;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.net.Inet4Address;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The vxlan backend against the kernel, inside a namespace this test creates: a veth wd0
 * (192.168.70.1/24) is the external interface, peers are leases as flanneld writes them.
 */
class VxlanBackendNamespaceTest {
    private static final Inet4Address PUBLIC_IP = IpAddresses.parseIpv4("192.168.70.1");
    private static final NetworkConfig CONFIG = NetworkConfigJson.parse("{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}");
    private static final String PEER_MAC = "0e:aa:bb:cc:dd:02";
    private TestNetns ns;
    private RouteNetlink netlink;
    private ExternalInterface external;
    private VxlanBackend backend;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = TestNetns.create();
        ns.addUnderlay("192.168.70.1/24");
        netlink = ns.netlink(); // closed with the namespace
        int index = netlink.linkByName("wd0").orElseThrow().index();
        external = new ExternalInterface("wd0", index, 1500, PUBLIC_IP, PUBLIC_IP);
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    private static Lease lease(String subnet, String publicIp, String type, String data) {
        return new Lease(SubnetKey.of(Cidr.parse(subnet)), new LeaseAttrs(IpAddresses.parseIpv4(publicIp), null, type, data, null),
            Instant.now().plusSeconds(3600), "1");
    }

    private static Lease flanneldPeer(String subnet, String publicIp, String mac) {
        return lease(subnet, publicIp, "vxlan", "{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}");
    }

    private Lease start() throws Exception {
        backend = VxlanBackend.create(CONFIG, external, netlink);
        Lease own = lease("10.1.1.0/24", "192.168.70.1", "vxlan", null);
        assertEquals(1450, backend.start(own));
        return own;
    }

    private String bridgeFdb() throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", ns.name(), "bridge", "fdb", "show", "dev", "flannel.1").start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    @Test
    void deviceIsFlannelsWithAStableMacAndPublishesFlannelsBackendData() throws Exception {
        start();

        String link = ns.ip("-d", "-o", "link", "show", "dev", "flannel.1");
        assertTrue(link.contains("mtu 1450"), link);
        assertTrue(link.contains("vxlan id 1 local 192.168.70.1 dev wd0 srcport 0 0 dstport 8472 nolearning"), link);
        String mac = VtepMac.derive(PUBLIC_IP, 1).toString();
        assertTrue(link.contains("link/ether " + mac), link);
        assertTrue(ns.ip("-o", "-4", "addr", "show", "dev", "flannel.1").contains("inet 10.1.1.0/32"));
        LeaseAttrs attrs = backend.leaseAttrs(external);
        assertEquals("vxlan", attrs.backendType());
        assertEquals("{\"VNI\":1,\"VtepMAC\":\"" + mac + "\"}", attrs.backendData());

        // A restart reuses the device as it is: same index, same MAC.
        String indexBefore = link.substring(0, link.indexOf(':'));
        backend.close();
        start();
        String again = ns.ip("-d", "-o", "link", "show", "dev", "flannel.1");
        assertEquals(indexBefore, again.substring(0, again.indexOf(':')), "reused, not recreated");
        assertTrue(again.contains("link/ether " + mac), again);
    }

    @Test
    void eachPeerGetsNeighbourFdbEntryAndOnlinkRouteAndLosesThemWhenItGoes() throws Exception {
        start();
        backend.setPeers(List.of(
            flanneldPeer("10.1.2.0/24", "192.168.70.2", PEER_MAC),
            lease("10.1.3.0/24", "192.168.70.3", null, null), // a udp host: ignored
            lease("10.1.4.0/24", "192.168.70.4", "vxlan", "{\"VNI\":1}"))); // no MAC: ignored

        assertEquals("10.1.2.0 lladdr " + PEER_MAC + " PERMANENT", ns.ip("neigh", "show", "dev", "flannel.1").trim());
        assertTrue(bridgeFdb().contains(PEER_MAC + " dst 192.168.70.2 self permanent"), bridgeFdb());
        assertEquals("10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink", ns.ip("route", "show", "root", "10.1.0.0/16").trim());

        // The peer moved to a new host: its FDB entry follows.
        backend.setPeers(List.of(flanneldPeer("10.1.2.0/24", "192.168.70.5", PEER_MAC)));
        String fdb = bridgeFdb();
        assertTrue(fdb.contains(PEER_MAC + " dst 192.168.70.5 self permanent") && !fdb.contains("192.168.70.2"), fdb);

        backend.setPeers(List.of());
        assertEquals("", ns.ip("neigh", "show", "dev", "flannel.1").trim());
        assertTrue(!bridgeFdb().contains(PEER_MAC), bridgeFdb());
        assertEquals("", ns.ip("route", "show", "root", "10.1.0.0/16").trim());
    }

    @Test
    void aDeviceDeletedUnderTheBackendIsRecreatedWithEveryPeer() throws Exception {
        start();
        backend.setPeers(List.of(flanneldPeer("10.1.2.0/24", "192.168.70.2", PEER_MAC)));

        ns.ip("link", "del", "flannel.1");

        await().atMost(Duration.ofSeconds(10)).until(() ->
            ns.ip("route", "show", "10.1.2.0/24").trim().equals("10.1.2.0/24 via 10.1.2.0 dev flannel.1 onlink"));
        assertEquals("10.1.2.0 lladdr " + PEER_MAC + " PERMANENT", ns.ip("neigh", "show", "dev", "flannel.1").trim());
        assertTrue(bridgeFdb().contains(PEER_MAC + " dst 192.168.70.2 self permanent"), bridgeFdb());
        assertTrue(ns.ip("-o", "-4", "addr", "show", "dev", "flannel.1").contains("inet 10.1.1.0/32"));
    }

    @Test
    void anExistingDeviceWithOtherParametersIsReplaced() throws Exception {
        ns.ip("link", "add", "flannel.1", "type", "vxlan", "id", "1", "local", "192.168.70.1", "dev", "wd0", "dstport", "4789");

        start();

        String link = ns.ip("-d", "-o", "link", "show", "dev", "flannel.1");
        assertTrue(link.contains("dstport 8472 nolearning"), link);
        assertTrue(link.contains("link/ether " + VtepMac.derive(PUBLIC_IP, 1)), link);
    }

    @Test
    void directRoutingUsesAPlainRouteForPeersOnTheSameNetwork() throws Exception {
        NetworkConfig direct = NetworkConfigJson.parse(
            "{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"DirectRouting\":true}}");
        ns.ip("addr", "add", "192.168.80.1/24", "dev", "wd0"); // a gateway for the far peer
        ns.ip("route", "add", "172.16.0.0/16", "via", "192.168.80.254");
        backend = VxlanBackend.create(direct, external, netlink);
        backend.start(lease("10.1.1.0/24", "192.168.70.1", "vxlan", null));

        backend.setPeers(List.of(flanneldPeer("10.1.2.0/24", "192.168.70.2", PEER_MAC),
            flanneldPeer("10.1.3.0/24", "172.16.0.9", "0e:aa:bb:cc:dd:03")));

        assertEquals("10.1.2.0/24 via 192.168.70.2 dev wd0", ns.ip("route", "show", "10.1.2.0/24").trim());
        assertEquals("10.1.3.0/24 via 10.1.3.0 dev flannel.1 onlink", ns.ip("route", "show", "10.1.3.0/24").trim());
    }
}
