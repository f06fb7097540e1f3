package dev.weft.core.lease;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.config.NetworkConfig;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.net.Inet4Address;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link LeaseStore} must do, whatever holds the leases. A store extends this class and
 * provides a fresh, empty network per test method ({@link #newStore}) plus the few hooks below;
 * store-specific behaviour (raw formats, compaction...) belongs in the subclass.
 */
public abstract class LeaseStoreContract {
    protected static final String NET_CONF =
        "{\"Network\":\"10.5.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"udp\"}}";
    /** Room for exactly 60 subnets: 10.5.1.0/24 .. 10.5.60.0/24. */
    protected static final String SIXTY_SUBNETS = "{\"Network\":\"10.5.0.0/16\",\"SubnetLen\":24,"
        + "\"SubnetMin\":\"10.5.1.0\",\"SubnetMax\":\"10.5.60.0\",\"Backend\":{\"Type\":\"udp\"}}";
    /** Room for four subnets: 10.6.1.0/24 .. 10.6.4.0/24. */
    protected static final String FOUR_SUBNETS = "{\"Network\":\"10.6.0.0/16\",\"SubnetLen\":24,"
        + "\"SubnetMin\":\"10.6.1.0\",\"SubnetMax\":\"10.6.4.0\",\"Backend\":{\"Type\":\"udp\"}}";
    protected static final Duration TTL = Duration.ofSeconds(60);

    private final List<LeaseStore> opened = new CopyOnWriteArrayList<>();

    /**
     * A new store (with its own client) on this test method's network, whose config is
     * {@code netConfJson}. Every call within one test method reaches the same network, so stores
     * see each other's leases; different test methods never share one.
     */
    protected abstract LeaseStore newStore(String netConfJson);

    /** Stores a reservation (a lease that never expires) on this test's network, as an operator would. */
    protected abstract void putReservation(SubnetKey subnet, LeaseAttrs attrs);

    /**
     * Called once a lease with a short TTL has been acquired in the expiry test. Stores that expire
     * leases by themselves (etcd) do nothing; others make their expiry process run.
     */
    protected void letExpire(Lease lease) {
    }

    @AfterEach
    void closeStores() {
        for (LeaseStore store : opened) {
            store.close();
        }
        opened.clear();
    }

    // ---- helpers ----

    protected LeaseStore open(String netConfJson) {
        LeaseStore store = newStore(netConfJson);
        opened.add(store);
        return store;
    }

    protected static Inet4Address ip(String text) {
        return IpAddresses.parseIpv4(text);
    }

    protected static SubnetKey subnet(String cidr) {
        return SubnetKey.of(Cidr.parse(cidr));
    }

    protected static AcquireRequest request(String publicIp) {
        return new AcquireRequest(LeaseAttrs.of(ip(publicIp), "udp", null), null, TTL);
    }

    protected static AcquireRequest request(String publicIp, SubnetKey previous) {
        return new AcquireRequest(LeaseAttrs.of(ip(publicIp), "udp", null), previous, TTL);
    }

    /** Collects what a watch reports: its events, and how many times it said it lost its stream. */
    public static class Recorder implements LeaseListener {
        public final List<LeaseEvent> events = new CopyOnWriteArrayList<>();
        public final AtomicInteger disconnects = new AtomicInteger();

        public Recorder() {
        }

        @Override
        public void onEvents(List<LeaseEvent> batch) {
            assertFalse(batch.isEmpty(), "a batch is never empty");
            events.addAll(batch);
        }

        @Override
        public void onDisconnected(Exception cause) {
            disconnects.incrementAndGet();
        }

        public List<LeaseEvent> about(SubnetKey subnet) {
            return events.stream().filter(e -> e.lease().subnet().equals(subnet)).toList();
        }

        public List<LeaseEvent.Type> typesAbout(SubnetKey subnet) {
            return about(subnet).stream().map(LeaseEvent::type).toList();
        }
    }

    // ---- the contract ----

    @Test
    void returnsTheNetworkConfig() {
        NetworkConfig config = open(SIXTY_SUBNETS).getNetworkConfig();
        assertEquals(Cidr.parse("10.5.0.0/16"), config.network());
        assertEquals(60, config.ipv4Capacity());
        assertEquals("udp", config.backendType());
    }

    @Test
    void acquireGivesACompatibleSubnetAndStoresTheAttributes() {
        LeaseStore store = open(NET_CONF);
        NetworkConfig config = store.getNetworkConfig();
        LeaseAttrs attrs = LeaseAttrs.of(ip("192.0.2.1"), "vxlan", "{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}");
        Instant before = Instant.now();

        Lease lease = store.acquire(new AcquireRequest(attrs, null, TTL));

        assertTrue(SubnetAllocator.isCompatible(config, lease.subnet()), "subnet " + lease.subnet() + " fits the config");
        assertEquals(attrs, lease.attrs());
        assertFalse(lease.isReservation());
        assertTrue(!lease.expiration().isBefore(before.plus(TTL).minusSeconds(2))
            && !lease.expiration().isAfter(Instant.now().plus(TTL).plusSeconds(2)), "expires in about 60 s: " + lease.expiration());
        List<Lease> listed = store.list().leases();
        assertEquals(1, listed.size());
        assertEquals(lease.subnet(), listed.get(0).subnet());
        assertEquals(attrs, listed.get(0).attrs());
        assertEquals(lease.version(), listed.get(0).version());
    }

    @Test
    void sameHostGetsItsSubnetBackAfterARestart() {
        Lease first;
        try (LeaseStore before = newStore(NET_CONF)) {
            first = before.acquire(request("192.0.2.1"));
        }
        LeaseStore after = open(NET_CONF);

        Lease again = after.acquire(request("192.0.2.1"));

        assertEquals(first.subnet(), again.subnet());
        assertEquals(1, after.list().leases().size(), "renewed in place, not a second lease");
        assertFalse(again.expiration().isBefore(first.expiration()));
    }

    @Test
    void previousSubnetIsReusedWhenFree() {
        LeaseStore store = open(NET_CONF);

        Lease lease = store.acquire(request("192.0.2.1", subnet("10.5.77.0/24")));

        assertEquals(subnet("10.5.77.0/24"), lease.subnet());
    }

    @Test
    void previousSubnetHeldByAnotherHostIsNotTaken() {
        LeaseStore store = open(NET_CONF);
        Lease other = store.acquire(request("192.0.2.2", subnet("10.5.77.0/24")));
        assertEquals(subnet("10.5.77.0/24"), other.subnet());

        Lease mine = open(NET_CONF).acquire(request("192.0.2.1", subnet("10.5.77.0/24")));

        assertNotEquals(other.subnet(), mine.subnet());
        Lease stillOther = store.list().leases().stream()
            .filter(l -> l.subnet().equals(other.subnet())).findFirst().orElseThrow();
        assertEquals(other.attrs(), stillOther.attrs());
        assertEquals(other.version(), stillOther.version(), "the other host's lease was not touched");
    }

    @Test
    void renewExtendsTheExpiration() {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));

        Lease renewed = store.renew(lease, lease.attrs(), TTL.multipliedBy(10));

        assertEquals(lease.subnet(), renewed.subnet());
        assertNotEquals(lease.version(), renewed.version());
        assertTrue(renewed.expiration().isAfter(lease.expiration().plus(TTL)), renewed.expiration() + " after " + lease.expiration());
        Lease listed = store.list().leases().get(0);
        assertEquals(renewed.version(), listed.version());
        assertTrue(listed.expiration().isAfter(lease.expiration().plus(TTL)));
    }

    @Test
    void renewCanChangeTheAttributes() {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));
        LeaseAttrs vxlan = LeaseAttrs.of(ip("192.0.2.1"), "vxlan", "{\"VNI\":1,\"VtepMAC\":\"aa:bb:cc:dd:ee:ff\"}");

        store.renew(lease, vxlan, TTL);

        assertEquals(vxlan, store.list().leases().get(0).attrs());
    }

    @Test
    void renewFailsWithLeaseLostOnceTheLeaseIsGone() {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));
        store.release(lease);

        assertThrows(LeaseLostException.class, () -> store.renew(lease, lease.attrs(), TTL));
        assertTrue(store.list().leases().isEmpty(), "a failed renewal creates nothing");
    }

    @Test
    void renewFailsWithLeaseLostWhenSomeoneElseRewroteIt() {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));
        open(NET_CONF).renew(lease, lease.attrs(), TTL);

        assertThrows(LeaseLostException.class, () -> store.renew(lease, lease.attrs(), TTL));
    }

    @Test
    void releaseDeletesTheLeaseAndIsIdempotent() {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));

        store.release(lease);
        store.release(lease);

        assertTrue(store.list().leases().isEmpty());
    }

    @Test
    void releaseOfAStaleVersionLeavesTheNewerLeaseAlone() {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));
        Lease renewed = store.renew(lease, lease.attrs(), TTL);

        store.release(lease);

        assertEquals(List.of(renewed.version()), store.list().leases().stream().map(Lease::version).toList());
    }

    @Test
    void reservationIsReusedByItsHostAndNeverTakenByOthers() {
        LeaseStore store = open(FOUR_SUBNETS);
        putReservation(subnet("10.6.2.0/24"), LeaseAttrs.of(ip("192.0.2.9"), null, null));

        Set<SubnetKey> others = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            others.add(store.acquire(request("192.0.2." + i, subnet("10.6.2.0/24"))).subnet());
        }
        assertEquals(Set.of(subnet("10.6.1.0/24"), subnet("10.6.3.0/24"), subnet("10.6.4.0/24")), others);
        assertThrows(OutOfSubnetsException.class, () -> store.acquire(request("192.0.2.4")));

        Lease reserved = store.acquire(request("192.0.2.9"));

        assertEquals(subnet("10.6.2.0/24"), reserved.subnet());
        assertTrue(reserved.isReservation());
        assertNull(reserved.expiration());
        assertEquals(reserved, store.renew(reserved, reserved.attrs(), TTL), "a reservation is kept as it is");
        assertTrue(store.list().leases().stream().anyMatch(l -> l.subnet().equals(subnet("10.6.2.0/24")) && l.isReservation()));
    }

    @Test
    void concurrentHostsNeverShareASubnetAndTheSurplusIsOutOfSubnets() throws Exception {
        int hosts = 64;
        List<LeaseStore> stores = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            stores.add(open(SIXTY_SUBNETS));
        }
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(hosts);
        List<Future<Lease>> results = new ArrayList<>();
        try {
            for (int i = 0; i < hosts; i++) {
                LeaseStore store = stores.get(i);
                String publicIp = "192.0.2." + (i + 1);
                results.add(pool.submit(() -> {
                    start.await();
                    return store.acquire(request(publicIp));
                }));
            }
            start.countDown();
            List<Lease> leases = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (Future<Lease> result : results) {
                try {
                    leases.add(result.get(60, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    failures.add(e.getCause());
                }
            }

            assertEquals(60, leases.size(), "leases granted; failures: " + failures);
            assertEquals(60, leases.stream().map(Lease::subnet).distinct().count(), "no subnet granted twice");
            assertEquals(4, failures.size());
            for (Throwable failure : failures) {
                assertTrue(failure instanceof OutOfSubnetsException, "only out-of-subnets, got " + failure);
                assertTrue(failure.getMessage().contains("10.5.1.0") && failure.getMessage().contains("10.5.60.0"),
                    "names the range: " + failure.getMessage());
            }
            List<Lease> stored = stores.get(0).list().leases();
            assertEquals(60, stored.size());
            assertEquals(leases.stream().map(Lease::subnet).collect(Collectors.toSet()),
                stored.stream().map(Lease::subnet).collect(Collectors.toSet()));
            assertEquals(60, stored.stream().map(l -> l.attrs().publicIp()).distinct().count(), "one lease per host");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void watchReportsAddedChangedAndRemovedInOrder() throws Exception {
        LeaseStore observer = open(NET_CONF);
        LeaseStore host = open(NET_CONF);
        Lease existing = host.acquire(request("192.0.2.100"));
        LeaseSnapshot snapshot = observer.list();
        Recorder recorder = new Recorder();

        try (AutoCloseable watch = observer.watch(snapshot.revision(), recorder)) {
            LeaseAttrs attrs = LeaseAttrs.of(ip("192.0.2.1"), "udp", null);
            Lease lease = host.acquire(new AcquireRequest(attrs, null, TTL));
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.about(lease.subnet()).size() == 1);
            LeaseEvent added = recorder.about(lease.subnet()).get(0);
            assertEquals(LeaseEvent.Type.ADDED, added.type());
            assertEquals(attrs, added.lease().attrs());
            assertEquals(lease.version(), added.lease().version());

            Lease renewed = host.renew(lease, attrs, TTL.multipliedBy(10));
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.about(lease.subnet()).size() == 2);
            LeaseEvent changed = recorder.about(lease.subnet()).get(1);
            assertEquals(LeaseEvent.Type.CHANGED, changed.type());
            assertEquals(renewed.version(), changed.lease().version());
            assertTrue(Duration.between(renewed.expiration(), changed.lease().expiration()).abs().getSeconds() <= 2,
                "reports the new expiration " + changed.lease().expiration() + " ~ " + renewed.expiration());

            host.release(renewed);
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.about(lease.subnet()).size() == 3);
            LeaseEvent removed = recorder.about(lease.subnet()).get(2);
            assertEquals(LeaseEvent.Type.REMOVED, removed.type());
            assertEquals(attrs, removed.lease().attrs(), "a removal carries the last known attributes");

            assertEquals(List.of(LeaseEvent.Type.ADDED, LeaseEvent.Type.CHANGED, LeaseEvent.Type.REMOVED),
                recorder.typesAbout(lease.subnet()));
            assertTrue(recorder.about(existing.subnet()).isEmpty(), "nothing about a lease already in the snapshot");
        }
    }

    @Test
    void watchReportsExpiryAsRemoved() throws Exception {
        LeaseStore observer = open(NET_CONF);
        LeaseStore host = open(NET_CONF);
        Recorder recorder = new Recorder();

        try (AutoCloseable watch = observer.watch(observer.list().revision(), recorder)) {
            LeaseAttrs attrs = LeaseAttrs.of(ip("192.0.2.1"), "udp", null);
            Lease lease = host.acquire(new AcquireRequest(attrs, null, Duration.ofSeconds(2)));
            letExpire(lease);

            await().atMost(Duration.ofSeconds(10)).until(() -> recorder.typesAbout(lease.subnet()).size() == 2);
            assertEquals(List.of(LeaseEvent.Type.ADDED, LeaseEvent.Type.REMOVED), recorder.typesAbout(lease.subnet()));
            assertEquals(attrs, recorder.about(lease.subnet()).get(1).lease().attrs());
            assertTrue(observer.list().leases().isEmpty());
            assertThrows(LeaseLostException.class, () -> host.renew(lease, attrs, TTL));
        }
    }

    @Test
    void closedWatchReportsNothingMore() throws Exception {
        LeaseStore observer = open(NET_CONF);
        Recorder recorder = new Recorder();
        AutoCloseable watch = observer.watch(observer.list().revision(), recorder);
        Lease first = observer.acquire(request("192.0.2.1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.size() == 1);

        watch.close();
        observer.acquire(request("192.0.2.2"));
        observer.release(first);

        Thread.sleep(300);
        assertEquals(1, recorder.events.size(), "events after close: " + recorder.events);
        assertEquals(Collections.nCopies(1, LeaseEvent.Type.ADDED), recorder.events.stream().map(LeaseEvent::type).toList());
    }
}
