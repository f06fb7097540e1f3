package dev.weft.agent.lease;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.etcd.EtcdLeaseStore;
import dev.weft.core.etcd.EtcdTestServer;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.net.IpAddresses;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's lease keeping against a real etcd (the shared test server). */
class LeaseKeeperTest {
    private final EtcdTestServer etcd = EtcdTestServer.get();
    private final List<Lease> ownLeases = new CopyOnWriteArrayList<>();
    private volatile Collection<Lease> peers = List.of();
    private String prefix;
    private LeaseStore store;
    private LeaseStore otherHost;
    private LeaseKeeper keeper;

    @BeforeEach
    void setUp() {
        prefix = etcd.uniquePrefix("keeper");
        etcd.put(prefix + "/config", "{\"Network\":\"10.7.0.0/16\",\"SubnetLen\":24}");
        store = EtcdLeaseStore.open(etcd.options(prefix));
        otherHost = EtcdLeaseStore.open(etcd.options(prefix));
    }

    @AfterEach
    void tearDown() {
        if (keeper != null) {
            keeper.close();
        }
        store.close();
        otherHost.close();
    }

    private LeaseKeeper keeper(Duration ttl, Duration margin) {
        keeper = new LeaseKeeper(store, ttl, margin, Clock.systemUTC(), new LeaseKeeper.Listener() {
            @Override
            public void onOwnLease(Lease lease) {
                ownLeases.add(lease);
            }

            @Override
            public void onPeers(Collection<Lease> current) {
                peers = current;
            }
        }, new LeaseMetrics());
        return keeper;
    }

    private static LeaseAttrs host(String ip) {
        return new LeaseAttrs(IpAddresses.parseIpv4(ip), null, null, null, null);
    }

    @Test
    void renewsBeforeExpirySoTheLeaseNeverLapses() throws Exception {
        LeaseKeeper k = keeper(Duration.ofSeconds(3), Duration.ofSeconds(2));
        Lease first = k.start(host("192.168.7.1"), null);
        await().atMost(Duration.ofSeconds(10)).until(() -> k.own().expiration().isAfter(first.expiration().plusSeconds(2)));
        Thread.sleep(3500); // longer than the TTL: only renewals keep it alive
        assertEquals(1, store.list().leases().size());
        assertEquals(List.of(first.subnet()), ownLeases.stream().map(Lease::subnet).toList(), "never moved");
    }

    @Test
    void aDeletedLeaseIsTakenAgainOnTheSameSubnet() throws Exception {
        LeaseKeeper k = keeper(Duration.ofMinutes(10), Duration.ofMinutes(1));
        Lease first = k.start(host("192.168.7.1"), null);
        try (var kv = etcd.newClient()) {
            kv.getKVClient().delete(io.etcd.jetcd.ByteSequence.from(prefix + "/subnets/" + first.subnet(), StandardCharsets.UTF_8)).get();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> store.list().leases().size() == 1
            && !store.list().leases().get(0).version().equals(first.version()));
        assertEquals(first.subnet(), store.list().leases().get(0).subnet());
        assertEquals(1, ownLeases.size(), "same subnet: the backend is not moved");
    }

    @Test
    void peersFollowTheStoreAndExcludeOurOwnLease() throws Exception {
        LeaseKeeper k = keeper(Duration.ofMinutes(10), Duration.ofMinutes(1));
        k.start(host("192.168.7.1"), null);
        assertTrue(peers.isEmpty());
        Lease other = otherHost.acquire(new dev.weft.core.lease.AcquireRequest(host("192.168.7.2"), null, Duration.ofMinutes(10)));
        await().atMost(Duration.ofSeconds(5)).until(() -> peers.size() == 1);
        assertEquals(other.subnet(), peers.iterator().next().subnet());
        otherHost.release(other);
        await().atMost(Duration.ofSeconds(5)).until(() -> peers.isEmpty());
    }
}
