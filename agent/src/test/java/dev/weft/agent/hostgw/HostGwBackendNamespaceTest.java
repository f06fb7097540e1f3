package dev.weft.agent.hostgw;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.backend.BackendContext;
import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.os.TestNetns;
import dev.weft.agent.udp.DataPathStats;
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

/** The host-gw backend's routes in a namespace this test creates (veth wd0 192.168.90.1/24 is the underlay). */
class HostGwBackendNamespaceTest {
    private static final Inet4Address PUBLIC_IP = IpAddresses.parseIpv4("192.168.90.1");
    private TestNetns ns;
    private RouteNetlink netlink;
    private ExternalInterface external;
    private HostGwBackend backend;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = TestNetns.create();
        ns.addUnderlay("192.168.90.1/24");
        netlink = ns.netlink(); // closed with the namespace
        external = new ExternalInterface("wd0", netlink.linkByName("wd0").orElseThrow().index(), 1500, PUBLIC_IP, PUBLIC_IP);
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

    private static Lease lease(String subnet, String publicIp, String type) {
        return new Lease(SubnetKey.of(Cidr.parse(subnet)), new LeaseAttrs(IpAddresses.parseIpv4(publicIp), null, type, null, null),
            Instant.now().plusSeconds(3600), "1");
    }

    @Test
    void routesEachPeerViaItsPublicIpAndAnUnreachablePeerFailsAlone() throws Exception {
        backend = HostGwBackend.create(external, netlink, 300);
        assertEquals(1500, backend.start(lease("10.2.1.0/24", "192.168.90.1", "host-gw")));
        assertEquals("host-gw", backend.leaseAttrs(external).backendType());
        assertEquals(null, backend.leaseAttrs(external).backendData());

        backend.setPeers(List.of(
            lease("10.2.2.0/24", "192.168.90.2", "host-gw"),
            lease("10.2.9.0/24", "192.168.9.5", "host-gw"), // another L2 segment: no route to it
            lease("10.2.3.0/24", "192.168.90.3", "host-gw"),
            lease("10.2.4.0/24", "192.168.90.4", "vxlan"))); // another backend: ignored

        assertEquals(List.of("10.2.2.0/24 via 192.168.90.2 dev wd0", "10.2.3.0/24 via 192.168.90.3 dev wd0"),
            ns.ip("route", "show", "root", "10.2.0.0/16").lines().map(String::strip).toList());

        backend.setPeers(List.of(lease("10.2.3.0/24", "192.168.90.7", "host-gw")));
        assertEquals("10.2.3.0/24 via 192.168.90.7 dev wd0", ns.ip("route", "show", "root", "10.2.0.0/16").trim());
    }

    @Test
    void aRouteDeletedByHandIsPutBack() throws Exception {
        backend = HostGwBackend.create(external, netlink, 300);
        backend.start(lease("10.2.1.0/24", "192.168.90.1", "host-gw"));
        backend.setPeers(List.of(lease("10.2.2.0/24", "192.168.90.2", "host-gw")));

        ns.ip("route", "del", "10.2.2.0/24");

        await().atMost(Duration.ofSeconds(5)).until(() ->
            ns.ip("route", "show", "10.2.2.0/24").trim().equals("10.2.2.0/24 via 192.168.90.2 dev wd0"));
    }

    @Test
    void aPublicIpThatIsNotTheInterfacesIsRefused() {
        ExternalInterface natted = new ExternalInterface("wd0", external.index(), 1500, PUBLIC_IP, IpAddresses.parseIpv4("203.0.113.7"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> HostGwBackend.create(natted, new BackendContext(netlink, new DataPathStats(), true)));
        assertTrue(e.getMessage().contains("NAT is not supported by host-gw"), e.getMessage());
    }
}
