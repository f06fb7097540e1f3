package dev.weft.core.kube;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkSpec;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.ConfigNotFoundException;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseLostException;
import dev.weft.core.lease.LeaseSnapshot;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.LeaseStoreContract;
import dev.weft.core.lease.LeaseStoreException;
import dev.weft.core.lease.OutOfSubnetsException;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Kubernetes lease store against fabric8's mock API server in CRUD mode (no real API server runs here). */
class KubernetesLeaseStoreOnMockApiServerTest {
    private static final Duration TTL = Duration.ofHours(24);
    private static final AtomicInteger NETWORKS = new AtomicInteger();
    private static MockApiServer server;
    private static KubernetesClient client;

    @BeforeAll
    static void startServer() {
        server = new MockApiServer();
        client = server.client();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    /** A fresh OverlayNetwork per test, so tests share the server but not their leases. */
    private static String network(String cidr, int subnetLength, String subnetSource) {
        String name = "net" + NETWORKS.incrementAndGet();
        var spec = new OverlayNetworkSpec();
        spec.setNetwork(cidr);
        spec.setSubnetLength(subnetLength);
        if (subnetSource != null) {
            var store = new LeaseStoreSpec();
            store.setSubnetSource(subnetSource);
            spec.setLeaseStore(store);
        }
        var resource = new OverlayNetwork();
        resource.setMetadata(new ObjectMetaBuilder().withName(name).build());
        resource.setSpec(spec);
        client.resource(resource).create();
        return name;
    }

    private static LeaseStore store(String network, String node) {
        return KubernetesLeaseStore.open(client, network, node);
    }

    private static AcquireRequest request(String publicIp) {
        return new AcquireRequest(LeaseAttrs.of(IpAddresses.parseIpv4(publicIp), "vxlan", "{\"VtepMAC\":\"aa:bb:cc:dd:ee:ff\"}"), null, TTL);
    }

    @Test
    void acquireCreatesASubnetLeaseNamedAfterTheSubnetWithTheHostsAttributes() {
        String net = network("10.10.0.0/16", 24, null);
        Lease lease = store(net, "node-a").acquire(request("192.168.1.10"));

        assertTrue(Cidr.parse("10.10.0.0/16").contains(lease.subnet().ipv4()));
        assertEquals(24, lease.subnet().ipv4().prefixLength());
        SubnetLease stored = client.resources(SubnetLease.class).withName(SubnetLease.nameFor(net, lease.subnet().ipv4())).get();
        assertNotNull(stored, "the lease is a SubnetLease named <network>.<subnet>");
        assertEquals(net, stored.getMetadata().getLabels().get(ApiGroup.NETWORK_LABEL));
        assertEquals(lease.subnet().ipv4().toString(), stored.getSpec().getSubnet());
        assertEquals("node-a", stored.getSpec().getNode());
        assertEquals("192.168.1.10", stored.getSpec().getPublicIP());
        assertEquals("vxlan", stored.getSpec().getBackend().getType());
        assertEquals("aa:bb:cc:dd:ee:ff", stored.getSpec().getBackend().getData().get("VtepMAC").asText());
        assertNull(stored.getStatus(), "the status is the operator's to write");
        Instant expires = Instant.parse(stored.getSpec().getExpiresAt());
        assertTrue(expires.isAfter(Instant.now().plus(TTL).minusSeconds(60)), "expiresAt is about now + 24h: " + expires);
        assertEquals(stored.getMetadata().getUid() + "/1", lease.version());
    }

    @Test
    void aHostThatAcquiresAgainKeepsItsSubnetAndTwoHostsNeverShareOne() {
        String net = network("10.11.0.0/16", 24, null);
        LeaseStore a = store(net, "node-a");
        Lease first = a.acquire(request("192.168.1.10"));
        Lease again = a.acquire(request("192.168.1.10"));
        Lease other = store(net, "node-b").acquire(request("192.168.1.11"));

        assertEquals(first.subnet(), again.subnet());
        assertNotEquals(first.version(), again.version(), "acquiring again renews the lease");
        assertNotEquals(first.subnet(), other.subnet());
        assertEquals(2, a.list().leases().size());
    }

    @Test
    void thePreviousSubnetIsTakenBackWhenFree() {
        String net = network("10.12.0.0/16", 24, null);
        var previous = SubnetKey.of(Cidr.parse("10.12.77.0/24"));
        Lease lease = store(net, "node-a").acquire(new AcquireRequest(LeaseAttrs.of(IpAddresses.parseIpv4("192.168.1.10"), "udp", null), previous, TTL));
        assertEquals(previous, lease.subnet());
    }

    @Test
    void renewingWithAStaleVersionLosesTheLease() {
        String net = network("10.13.0.0/16", 24, null);
        LeaseStore a = store(net, "node-a");
        Lease lease = a.acquire(request("192.168.1.10"));
        Lease renewed = a.renew(lease, lease.attrs(), TTL);
        assertNotEquals(lease.version(), renewed.version());

        assertThrows(LeaseLostException.class, () -> a.renew(lease, lease.attrs(), TTL));
        a.release(renewed);
        assertThrows(LeaseLostException.class, () -> a.renew(renewed, renewed.attrs(), TTL));
        assertTrue(a.list().leases().isEmpty());
    }

    @Test
    void anExpiredLeaseOfAnotherHostIsTakenOverButALiveOneAndAReservationAreNot() {
        // A /24 split into four /26, the first of which is never offered (Flannel's SubnetMin default): three subnets.
        String net = network("10.14.0.0/24", 26, null);
        var registry = new KubernetesSubnetRegistry(client, net, "old", java.time.Clock.systemUTC());
        var attrs = LeaseAttrs.of(IpAddresses.parseIpv4("192.168.1.20"), "udp", null);
        registry.create(SubnetKey.of(Cidr.parse("10.14.0.64/26")), attrs, null).orElseThrow(); // reservation
        registry.create(SubnetKey.of(Cidr.parse("10.14.0.128/26")), LeaseAttrs.of(IpAddresses.parseIpv4("192.168.1.21"), "udp", null), TTL).orElseThrow();
        var expired = registry.create(SubnetKey.of(Cidr.parse("10.14.0.192/26")), LeaseAttrs.of(IpAddresses.parseIpv4("192.168.1.22"), "udp", null), Duration.ofSeconds(1)).orElseThrow();
        await().until(() -> expired.isExpired(Instant.now()));

        Lease taken = store(net, "node-new").acquire(request("192.168.1.30"));

        assertEquals(Cidr.parse("10.14.0.192/26"), taken.subnet().ipv4());
        SubnetLease stored = client.resources(SubnetLease.class).withName(SubnetLease.nameFor(net, taken.subnet().ipv4())).get();
        assertEquals("192.168.1.30", stored.getSpec().getPublicIP());
        assertThrows(OutOfSubnetsException.class, () -> store(net, "node-late").acquire(request("192.168.1.31")));
        SubnetLease reservation = client.resources(SubnetLease.class).withName(SubnetLease.nameFor(net, Cidr.parse("10.14.0.64/26"))).get();
        assertNull(reservation.getSpec().getExpiresAt(), "the reservation is untouched");
    }

    @Test
    void aReservationIsKeptByItsHolderAsItIs() {
        String net = network("10.15.0.0/16", 24, null);
        var registry = new KubernetesSubnetRegistry(client, net, "node-r", java.time.Clock.systemUTC());
        Lease reservation = registry.create(SubnetKey.of(Cidr.parse("10.15.9.0/24")), LeaseAttrs.of(IpAddresses.parseIpv4("192.168.1.40"), "udp", null), null).orElseThrow();
        Lease lease = store(net, "node-r").acquire(request("192.168.1.40"));
        assertEquals(reservation.subnet(), lease.subnet());
        assertTrue(lease.isReservation());
    }

    @Test
    void listSkipsMalformedLeases() {
        String net = network("10.16.0.0/16", 24, null);
        var bad = new SubnetLease();
        bad.setMetadata(new ObjectMetaBuilder().withName(net + ".garbage").addToLabels(ApiGroup.NETWORK_LABEL, net).build());
        var spec = new dev.weft.core.api.SubnetLeaseSpec();
        spec.setNetwork(net);
        spec.setSubnet("not-a-subnet");
        spec.setPublicIP("192.168.1.1");
        bad.setSpec(spec);
        client.resource(bad).create();
        LeaseStore a = store(net, "node-a");
        Lease good = a.acquire(request("192.168.1.10"));
        assertEquals(List.of(good.subnet()), a.list().leases().stream().map(Lease::subnet).toList());
    }

    @Test
    void theNetworkConfigIsTheOverlayNetworkSpecAndAMissingOrInvalidOneSaysSo() {
        String net = network("10.17.0.0/16", 26, null);
        assertEquals(Cidr.parse("10.17.0.0/16"), store(net, "n").getNetworkConfig().network());
        assertEquals(26, store(net, "n").getNetworkConfig().subnetLen());

        assertThrows(ConfigNotFoundException.class, () -> store("no-such-network", "n").getNetworkConfig());
        String invalid = network("10.18.0.0/16", 24, null);
        client.resources(OverlayNetwork.class).withName(invalid).edit(o -> {
            o.getSpec().setSubnetMin("10.19.0.0");
            return o;
        });
        var e = assertThrows(LeaseStoreException.class, () -> store(invalid, "n").getNetworkConfig());
        assertTrue(e.getMessage().contains("spec.subnetMin"), e.getMessage());
    }

    @Test
    void watchReportsAddedChangedAndRemovedOnceEachInOrder() throws Exception {
        String net = network("10.20.0.0/16", 24, null);
        LeaseStore a = store(net, "node-a");
        Lease existing = a.acquire(request("192.168.1.10"));
        LeaseSnapshot snapshot = a.list();
        var events = new CopyOnWriteArrayList<LeaseEvent>();
        try (AutoCloseable watch = a.watch(snapshot.revision(), events::addAll)) {
            Lease b = store(net, "node-b").acquire(request("192.168.1.11"));
            Lease renewed = a.renew(existing, existing.attrs(), TTL);
            a.release(b);

            await().until(() -> events.size() >= 3);
            Thread.sleep(300); // nothing more may come: no replayed ADDED for the lease the list already had
            assertEquals(List.of(LeaseEvent.Type.ADDED, LeaseEvent.Type.CHANGED, LeaseEvent.Type.REMOVED),
                events.stream().map(LeaseEvent::type).toList(), events.toString());
            assertEquals(b.subnet(), events.get(0).lease().subnet());
            assertEquals(renewed.expiration(), events.get(1).lease().expiration());
            assertEquals(b.subnet(), events.get(2).lease().subnet());
        }
    }

    @Test
    void afterA410GoneTheWatchListsAgainAndReportsOnlyTheDifference() throws Exception {
        String net = network("10.21.0.0/16", 24, null);
        var registry = new KubernetesSubnetRegistry(client, net, "node-a", java.time.Clock.systemUTC());
        LeaseStore a = store(net, "node-a");
        Lease kept = a.acquire(request("192.168.1.10"));
        Lease removed = store(net, "node-b").acquire(request("192.168.1.11"));
        Lease changed = store(net, "node-c").acquire(request("192.168.1.12"));
        var listener = new LeaseStoreContract.Recorder();
        var events = listener.events;
        var disconnects = listener.disconnects;
        var watch = (SubnetLeaseWatch) registry.watch(registry.list().revision(), listener);
        try {
            watch.pauseStream();
            a.release(removed);
            Lease renewed = a.renew(changed, changed.attrs(), Duration.ofHours(48));
            Lease added = store(net, "node-d").acquire(request("192.168.1.13"));

            watch.onStreamClosed(new WatcherException("too old resource version", new KubernetesClientException("Gone", 410, null)));

            await().until(() -> events.size() >= 3);
            Thread.sleep(300);
            assertEquals(1, disconnects.get());
            assertEquals(Set.of("REMOVED " + removed.subnet(), "CHANGED " + renewed.subnet(), "ADDED " + added.subnet()),
                new HashSet<>(events.stream().map(e -> e.type() + " " + e.lease().subnet()).toList()), events.toString());
            assertTrue(events.stream().noneMatch(e -> e.lease().subnet().equals(kept.subnet())));

            // ...and it watches on: a later change arrives as a plain event.
            a.release(a.list().leases().stream().filter(l -> l.subnet().equals(kept.subnet())).findFirst().orElseThrow());
            await().until(() -> events.size() >= 4);
            assertEquals(LeaseEvent.Type.REMOVED, events.get(3).type());
        } finally {
            watch.close();
        }
    }

    @Test
    void podCidrModePublishesTheNodesPodCidrAsItsLease() {
        String net = network("10.30.0.0/16", 24, LeaseStoreSpec.POD_CIDR);
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("pod-node-1").endMetadata()
            .withNewSpec().withPodCIDR("10.30.42.0/24").withPodCIDRs("10.30.42.0/24").endSpec().build()).create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("pod-node-2").endMetadata()
            .withNewSpec().withPodCIDR("10.99.1.0/24").endSpec().build()).create();

        Lease lease = store(net, "pod-node-1").acquire(request("192.168.2.1"));
        assertEquals(SubnetKey.of(Cidr.parse("10.30.42.0/24")), lease.subnet());
        assertEquals("pod-node-1", client.resources(SubnetLease.class).withName(net + ".10-30-42-0-24").get().getSpec().getNode());
        Lease again = store(net, "pod-node-1").acquire(request("192.168.2.1"));
        assertEquals(lease.subnet(), again.subnet());

        var outside = assertThrows(LeaseStoreException.class, () -> store(net, "pod-node-2").acquire(request("192.168.2.2")));
        assertTrue(outside.getMessage().contains("pod-node-2") && outside.getMessage().contains("10.99.1.0/24"), outside.getMessage());
        var missing = assertThrows(LeaseStoreException.class, () -> store(net, "no-such-node").acquire(request("192.168.2.3")));
        assertTrue(missing.getMessage().contains("no-such-node"), missing.getMessage());
    }

    @Test
    void hostsAcquiringAtTheSameTimeGetDistinctSubnets() throws Exception {
        String net = network("10.40.0.0/22", 26, null); // 15 subnets offered
        int hosts = 12;
        ExecutorService pool = Executors.newFixedThreadPool(hosts);
        try {
            List<Future<Lease>> results = new ArrayList<>();
            for (int i = 0; i < hosts; i++) {
                String ip = "192.168.3." + (i + 1);
                KubernetesClient own = server.newClient();
                LeaseStore s = KubernetesLeaseStore.open(own, net, "node-" + i, java.time.Clock.systemUTC(), new Random(i % 2));
                results.add(pool.submit(() -> s.acquire(request(ip))));
            }
            Set<SubnetKey> subnets = new HashSet<>();
            for (Future<Lease> result : results) {
                subnets.add(result.get().subnet());
            }
            assertEquals(hosts, subnets.size(), "every host got its own subnet: " + subnets);
            assertEquals(hosts, store(net, "x").list().leases().size());
        } finally {
            pool.shutdownNow();
        }
    }
}
