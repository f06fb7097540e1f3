package dev.weft.core.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.LeaseStoreContract.Recorder;
import dev.weft.core.lease.LeaseStoreException;
import dev.weft.core.lease.RegistryLeaseStore;
import dev.weft.core.net.IpAddresses;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** etcd going away and coming back, on a server of this test's own. */
class EtcdOutageTest {
    private static final String NET_CONF = "{\"Network\":\"10.5.0.0/16\",\"Backend\":{\"Type\":\"udp\"}}";

    private static AcquireRequest request(String publicIp) {
        return new AcquireRequest(LeaseAttrs.of(IpAddresses.parseIpv4(publicIp), null, null), null, Duration.ofMinutes(5));
    }

    @Test
    void watchReportsTheOutageAndCarriesOnWithoutLossOrDuplicates() throws Exception {
        try (EtcdTestServer etcd = EtcdTestServer.dedicated()) {
            EtcdOptions options = etcd.options(EtcdOptions.DEFAULT_PREFIX);
            try (EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(options)) {
                registry.putConfigIfAbsent(NET_CONF);
            }
            LeaseStore store = new RegistryLeaseStore(EtcdSubnetRegistry.connect(options).watchLiveness(Duration.ofSeconds(1)));
            Recorder listener = new Recorder();
            List<LeaseEvent> events = listener.events;
            AtomicInteger disconnects = listener.disconnects;
            try (store) {
                Lease gone = store.acquire(request("192.0.2.1"));
                Lease stays = store.acquire(request("192.0.2.2"));
                AutoCloseable watch = store.watch(store.list().revision(), listener);
                Lease warmUp = store.acquire(request("192.0.2.9"));
                await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1); // the stream is up
                events.clear();

                etcd.pause();
                await().atMost(Duration.ofSeconds(10)).until(() -> disconnects.get() > 0);
                try {
                    store.list();
                    throw new AssertionError("listing with etcd down must fail");
                } catch (LeaseStoreException expected) {
                    assertTrue(expected.getMessage().startsWith("etcd: "), expected.getMessage());
                }
                etcd.resume();

                try (LeaseStore other = EtcdLeaseStore.open(options)) {
                    other.release(gone);
                    Lease added = other.acquire(request("192.0.2.3"));
                    await().atMost(Duration.ofSeconds(20)).until(() -> events.size() >= 2);
                    Thread.sleep(300);

                    assertEquals(List.of(LeaseEvent.removed(gone).type(), LeaseEvent.Type.ADDED),
                        events.stream().map(LeaseEvent::type).toList(), events.toString());
                    assertEquals(gone.subnet(), events.get(0).lease().subnet());
                    assertEquals(gone.attrs(), events.get(0).lease().attrs());
                    assertEquals(added.subnet(), events.get(1).lease().subnet());
                    assertTrue(events.stream().noneMatch(e -> e.lease().subnet().equals(stays.subnet())
                        || e.lease().subnet().equals(warmUp.subnet())), "nothing reported twice: " + events);
                    assertEquals(1, disconnects.get(), "one outage, one report");
                }
                watch.close();
            }
        }
    }

    @Test
    void aQuietButHealthyStreamIsNotTakenForABrokenOne() throws Exception {
        EtcdTestServer etcd = EtcdTestServer.get();
        EtcdOptions options = etcd.options(etcd.uniquePrefix("quiet"));
        Recorder listener = new Recorder();
        List<LeaseEvent> events = listener.events;
        AtomicInteger disconnects = listener.disconnects;
        EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(options).watchLiveness(Duration.ofMillis(200));
        registry.putConfigIfAbsent(NET_CONF);
        try (LeaseStore store = new RegistryLeaseStore(registry)) {
            store.watch(store.list().revision(), listener);
            Thread.sleep(1500); // several liveness probes, all answered

            Lease lease = store.acquire(request("192.0.2.1"));

            await().atMost(Duration.ofSeconds(5)).until(() -> events.size() == 1);
            assertEquals(LeaseEvent.added(lease).type(), events.get(0).type());
            assertEquals(0, disconnects.get());
        }
    }
}
