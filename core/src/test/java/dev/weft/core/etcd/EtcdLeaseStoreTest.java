package dev.weft.core.etcd;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.config.InvalidConfigException;
import dev.weft.core.lease.ConfigNotFoundException;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.LeaseStoreContract;
import dev.weft.core.lease.RegistryLeaseStore;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/** The lease store contract on a real etcd, plus what only etcd has: Flannel's bytes, TTLs, compaction. */
class EtcdLeaseStoreTest extends LeaseStoreContract {
    private static final EtcdTestServer ETCD = EtcdTestServer.get();

    private String prefix;

    @BeforeEach
    void newNetwork(TestInfo test) {
        prefix = ETCD.uniquePrefix(test.getTestMethod().orElseThrow().getName());
    }

    @Override
    protected LeaseStore newStore(String netConfJson) {
        return new RegistryLeaseStore(registry(netConfJson));
    }

    @Override
    protected void putReservation(SubnetKey subnet, LeaseAttrs attrs) {
        ETCD.put(prefix + "/subnets/" + subnet, LeaseJson.write(attrs));
    }

    private EtcdSubnetRegistry registry(String netConfJson) {
        EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(ETCD.options(prefix));
        registry.putConfigIfAbsent(netConfJson);
        return registry;
    }

    /** Writes {@code value} at a lease key bound to a fresh etcd lease of {@code ttlSeconds}, as flanneld does. */
    private void putWithTtl(String subnetKey, String value, long ttlSeconds) throws Exception {
        var client = ETCD.client();
        long id = client.getLeaseClient().grant(ttlSeconds).get(5, TimeUnit.SECONDS).getID();
        client.getKVClient().put(bytes(prefix + "/subnets/" + subnetKey), bytes(value),
            PutOption.builder().withLeaseId(id).build()).get(5, TimeUnit.SECONDS);
    }

    private KeyValue read(String key) throws Exception {
        List<KeyValue> kvs = ETCD.client().getKVClient().get(bytes(key)).get(5, TimeUnit.SECONDS).getKvs();
        assertEquals(1, kvs.size(), "key " + key + " exists");
        return kvs.get(0);
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    // ---- Flannel's bytes ----

    @Test
    void readsLeasesExactlyAsFlanneldStoresThem() throws Exception {
        LeaseStore store = open(NET_CONF);
        putWithTtl("10.5.3.0-24", "{\"PublicIP\":\"192.168.0.200\",\"PublicIPv6\":null}", 3600);
        putWithTtl("10.5.4.0-24", "{\"PublicIP\":\"192.168.0.201\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
            + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}", 3600);

        List<Lease> leases = new ArrayList<>(store.list().leases());
        leases.sort((a, b) -> a.subnet().toString().compareTo(b.subnet().toString()));

        assertEquals(2, leases.size());
        Lease udp = leases.get(0);
        assertEquals("10.5.3.0-24", udp.subnet().toString());
        assertEquals(new LeaseAttrs(IpAddresses.parseIpv4("192.168.0.200"), null, null, null, null), udp.attrs());
        long ttl = Duration.between(Instant.now(), udp.expiration()).toSeconds();
        assertTrue(ttl > 3590 && ttl <= 3600, "expiration from the etcd lease TTL, got " + ttl + " s");
        Lease vxlan = leases.get(1);
        assertEquals("192.168.0.201", vxlan.attrs().publicIp().getHostAddress());
        assertEquals("vxlan", vxlan.attrs().backendType());
        assertEquals("{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}", vxlan.attrs().backendData());

        Lease restarted = store.acquire(request("192.168.0.201"));
        assertEquals(vxlan.subnet(), restarted.subnet(), "a flanneld host moving to Weft keeps its subnet");
    }

    @Test
    void writesWhatFlanneldReads() throws Exception {
        LeaseStore store = open(NET_CONF);
        LeaseAttrs vxlan = LeaseAttrs.of(IpAddresses.parseIpv4("192.0.2.7"), "vxlan",
            "{ \"VNI\": 1, \"VtepMAC\": \"c6:d2:32:6f:8f:44\" }");
        LeaseAttrs udp = new LeaseAttrs(IpAddresses.parseIpv4("192.0.2.8"), null, null, null, null);

        Lease vxlanLease = store.acquire(new dev.weft.core.lease.AcquireRequest(vxlan, null, TTL));
        Lease udpLease = store.acquire(new dev.weft.core.lease.AcquireRequest(udp, null, TTL));

        KeyValue vxlanKv = read(prefix + "/subnets/" + vxlanLease.subnet());
        FlannelLeaseAttrs parsed = FlannelLeaseAttrs.parseStrictly(vxlanKv.getValue().toString(StandardCharsets.UTF_8));
        assertEquals("192.0.2.7", parsed.publicIp);
        assertNull(parsed.publicIpv6);
        assertEquals("vxlan", parsed.backendType);
        assertEquals("{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}", parsed.backendData);
        assertEquals("{\"PublicIP\":\"192.0.2.8\",\"PublicIPv6\":null}",
            read(prefix + "/subnets/" + udpLease.subnet()).getValue().toString(StandardCharsets.UTF_8));
        FlannelLeaseAttrs.parseStrictly("{\"PublicIP\":\"192.0.2.8\",\"PublicIPv6\":null}");

        assertTrue(vxlanKv.getLease() != 0, "the key is bound to an etcd lease");
        long ttl = ETCD.client().getLeaseClient().timeToLive(vxlanKv.getLease(), LeaseOption.DEFAULT)
            .get(5, TimeUnit.SECONDS).getTTL();
        assertTrue(ttl > 50 && ttl <= 60, "etcd lease TTL is the lease TTL, got " + ttl);
    }

    /**
     * Flannel's LeaseAttrs exactly as Go's json.Marshal writes it: PublicIP, PublicIPv6 (always, string or
     * null), then optional BackendType, BackendData, BackendV6Data, in that order, nothing else.
     */
    private static final class FlannelLeaseAttrs {
        String publicIp;
        String publicIpv6;
        String backendType;
        String backendData;

        static FlannelLeaseAttrs parseStrictly(String json) throws Exception {
            ObjectMapper mapper = new ObjectMapper();
            FlannelLeaseAttrs out = new FlannelLeaseAttrs();
            List<String> order = new ArrayList<>();
            try (JsonParser parser = mapper.getFactory().createParser(json)) {
                assertEquals(JsonToken.START_OBJECT, parser.nextToken());
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = parser.getCurrentName();
                    order.add(name);
                    JsonToken value = parser.nextToken();
                    switch (name) {
                        case "PublicIP" -> {
                            assertEquals(JsonToken.VALUE_STRING, value, "PublicIP is a string");
                            out.publicIp = parser.getText();
                        }
                        case "PublicIPv6" -> out.publicIpv6 = value == JsonToken.VALUE_NULL ? null : parser.getText();
                        case "BackendType" -> {
                            assertEquals(JsonToken.VALUE_STRING, value);
                            assertFalse(parser.getText().isEmpty(), "empty BackendType is omitted");
                            out.backendType = parser.getText();
                        }
                        case "BackendData", "BackendV6Data" -> {
                            assertEquals(JsonToken.START_OBJECT, value, name + " is an object");
                            String raw = mapper.readTree(parser).toString();
                            if (name.equals("BackendData")) {
                                out.backendData = raw;
                            }
                        }
                        default -> throw new AssertionError("field Flannel does not write: " + name + " in " + json);
                    }
                }
                assertEquals(null, parser.nextToken(), "nothing after the object");
            }
            List<String> flannelOrder = List.of("PublicIP", "PublicIPv6", "BackendType", "BackendData", "BackendV6Data");
            assertEquals(flannelOrder.stream().filter(order::contains).toList(), order, "Flannel's field order in " + json);
            assertTrue(order.containsAll(List.of("PublicIP", "PublicIPv6")), "PublicIP and PublicIPv6 always written: " + json);
            assertFalse(json.contains(" ") || json.contains("\n"), "compact: " + json);
            return out;
        }
    }

    // ---- etcd leases ----

    @Test
    void renewMovesTheKeyToANewEtcdLeaseAndRevokesTheOldOne() throws Exception {
        LeaseStore store = open(NET_CONF);
        Lease lease = store.acquire(request("192.0.2.1"));
        String key = prefix + "/subnets/" + lease.subnet();
        long oldId = read(key).getLease();

        store.renew(lease, lease.attrs(), TTL);

        long newId = read(key).getLease();
        assertTrue(newId != 0 && newId != oldId, "bound to a new etcd lease");
        await().atMost(Duration.ofSeconds(5)).until(() -> ETCD.client().getLeaseClient()
            .timeToLive(oldId, LeaseOption.DEFAULT).get(5, TimeUnit.SECONDS).getTTL() == -1);
    }

    @Test
    void aLostCreateRaceLeavesTheWinnerUntouched() throws Exception {
        EtcdSubnetRegistry registry = registry(NET_CONF);
        try {
            SubnetKey subnet = subnet("10.5.9.0/24");
            Lease winner = registry.create(subnet, LeaseAttrs.of(IpAddresses.parseIpv4("192.0.2.1"), null, null), TTL)
                .orElseThrow();
            long winnerEtcdLease = read(prefix + "/subnets/" + subnet).getLease();

            assertTrue(registry.create(subnet, LeaseAttrs.of(IpAddresses.parseIpv4("192.0.2.2"), null, null), TTL).isEmpty(),
                "the second create loses");

            KeyValue stored = read(prefix + "/subnets/" + subnet);
            assertEquals(winner.version(), String.valueOf(stored.getModRevision()));
            assertEquals(winnerEtcdLease, stored.getLease());
            assertEquals(winner.attrs(), LeaseJson.parse(stored.getValue().toString(StandardCharsets.UTF_8)));
        } finally {
            registry.close();
        }
    }

    // ---- config ----

    @Test
    void missingConfigIsConfigNotFound() {
        EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(ETCD.options(prefix));
        try {
            var error = assertThrows(ConfigNotFoundException.class, registry::getNetworkConfig);
            assertTrue(error.getMessage().startsWith(
                "flannel config not found in etcd store. Did you create your config using etcdv3 API?"), error.getMessage());
            assertTrue(error.getMessage().contains(prefix + "/config"), error.getMessage());
            assertTrue(registry.getConfigJson().isEmpty());
        } finally {
            registry.close();
        }
    }

    @Test
    void invalidConfigNamesTheFieldAndTheKey() {
        ETCD.put(prefix + "/config", "{\"Network\":\"10.5.0.0/16\",\"SubnetLen\":31}");
        EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(ETCD.options(prefix));
        try {
            var error = assertThrows(InvalidConfigException.class, registry::getNetworkConfig);
            assertEquals("SubnetLen", error.field());
            assertTrue(error.getMessage().contains("less than /31") && error.getMessage().contains(prefix + "/config"),
                error.getMessage());
        } finally {
            registry.close();
        }
    }

    @Test
    void putConfigIfAbsentWritesOnceAndRejectsBadJson() {
        EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(ETCD.options(prefix));
        try {
            assertThrows(InvalidConfigException.class, () -> registry.putConfigIfAbsent("{\"Network\":\"nonsense\"}"));
            assertTrue(registry.getConfigJson().isEmpty(), "an invalid config is not written");

            assertTrue(registry.putConfigIfAbsent(SIXTY_SUBNETS));
            assertFalse(registry.putConfigIfAbsent(NET_CONF), "an existing config is kept");

            assertEquals(SIXTY_SUBNETS, registry.getConfigJson().orElseThrow());
            assertEquals(60, registry.getNetworkConfig().ipv4Capacity());
        } finally {
            registry.close();
        }
    }

    // ---- malformed entries ----

    @Test
    void malformedEntriesAreSkippedWithTheirKeyLoggedAndRemoveNoPeer() throws Exception {
        LeaseStore store = open(NET_CONF);
        Lease good = store.acquire(request("192.0.2.1"));
        Recorder watching = new Recorder();
        List<String> logged = new CopyOnWriteArrayList<>();
        Logger log = Logger.getLogger(EtcdSubnetRegistry.class.getName());
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                logged.add(java.text.MessageFormat.format(record.getMessage(),
                    record.getParameters() == null ? new Object[0] : record.getParameters()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        log.addHandler(capture);
        try (AutoCloseable watch = store.watch(store.list().revision(), watching)) {
            ETCD.put(prefix + "/subnets/10.5.9.0-24", "{not json");
            ETCD.put(prefix + "/subnets/garbage", "{\"PublicIP\":\"192.0.2.2\",\"PublicIPv6\":null}");
            ETCD.put(prefix + "/subnets/10.5.10.0-24", "{\"PublicIPv6\":null}");
            Lease later = open(NET_CONF).acquire(request("192.0.2.3"));

            await().atMost(Duration.ofSeconds(5)).until(() -> !watching.about(later.subnet()).isEmpty());
            assertEquals(List.of(LeaseEvent.Type.ADDED), watching.events.stream().map(LeaseEvent::type).toList(),
                "only the good lease is reported: " + watching.events);

            List<SubnetKey> listed = store.list().leases().stream().map(Lease::subnet).sorted(
                (a, b) -> a.toString().compareTo(b.toString())).toList();
            assertEquals(List.of(good.subnet(), later.subnet()).stream()
                .sorted((a, b) -> a.toString().compareTo(b.toString())).toList(), listed);

            Recorder fromScratch = new Recorder();
            try (AutoCloseable relisting = store.watch(0, fromScratch)) {
                await().atMost(Duration.ofSeconds(5)).until(() -> fromScratch.events.size() == 2);
                Thread.sleep(200);
                assertTrue(fromScratch.events.stream().allMatch(e -> e.type() == LeaseEvent.Type.ADDED), fromScratch.events.toString());
                assertEquals(2, fromScratch.events.size());
            }
        } finally {
            log.removeHandler(capture);
        }
        assertTrue(logged.stream().anyMatch(m -> m.contains(prefix + "/subnets/10.5.9.0-24") && m.contains("not valid JSON")), logged.toString());
        assertTrue(logged.stream().anyMatch(m -> m.contains(prefix + "/subnets/garbage")), logged.toString());
        assertTrue(logged.stream().anyMatch(m -> m.contains(prefix + "/subnets/10.5.10.0-24") && m.contains("PublicIP")), logged.toString());
    }

    // ---- watch ----

    @Test
    void watchAcrossACompactionReportsOnlyTheDifference() throws Exception {
        LeaseStore store = open(NET_CONF);
        LeaseStore other = open(NET_CONF);
        Lease kept = store.acquire(request("192.0.2.1"));
        Lease renewedLater = store.acquire(request("192.0.2.2"));
        Lease releasedLater = store.acquire(request("192.0.2.3"));
        List<Lease> madeWhileBehind = new CopyOnWriteArrayList<>();
        Recorder recorder = new Recorder() {
            private boolean first = true;

            @Override
            public void onEvents(List<LeaseEvent> batch) {
                super.onEvents(batch);
                if (first) {
                    // The watch thread is held here, right after its first list: the history it would
                    // stream from next is changed and then compacted away.
                    first = false;
                    madeWhileBehind.add(other.renew(renewedLater, renewedLater.attrs(), TTL.multipliedBy(2)));
                    other.release(releasedLater);
                    Lease shortLived = other.acquire(request("192.0.2.4"));
                    other.release(shortLived);
                    madeWhileBehind.add(shortLived);
                    madeWhileBehind.add(other.acquire(request("192.0.2.5")));
                    ETCD.compact();
                }
            }
        };

        try (AutoCloseable watch = store.watch(0, recorder)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.size() >= 6);
            Lease renewed = madeWhileBehind.get(0);
            Lease shortLived = madeWhileBehind.get(1);
            Lease added = madeWhileBehind.get(2);

            assertEquals(List.of(LeaseEvent.Type.ADDED), recorder.typesAbout(kept.subnet()));
            assertEquals(List.of(LeaseEvent.Type.ADDED, LeaseEvent.Type.CHANGED), recorder.typesAbout(renewedLater.subnet()));
            assertEquals(renewed.version(), recorder.about(renewedLater.subnet()).get(1).lease().version());
            assertEquals(List.of(LeaseEvent.Type.ADDED, LeaseEvent.Type.REMOVED), recorder.typesAbout(releasedLater.subnet()));
            assertEquals(releasedLater.attrs(), recorder.about(releasedLater.subnet()).get(1).lease().attrs());
            if (!shortLived.subnet().equals(added.subnet()) && !shortLived.subnet().equals(releasedLater.subnet())) {
                assertTrue(recorder.about(shortLived.subnet()).isEmpty(), "a lease born and gone while compacted is not reported");
            }
            assertEquals(List.of(LeaseEvent.Type.ADDED), recorder.typesAbout(added.subnet()));

            Lease afterwards = other.acquire(request("192.0.2.6"));
            await().atMost(Duration.ofSeconds(5)).until(() -> !recorder.about(afterwards.subnet()).isEmpty());
            assertEquals(7, recorder.events.size(), "nothing reported twice: " + recorder.events);
        }
    }

    @Test
    void watchFromACompactedRevisionStillReportsTheCurrentLeases() throws Exception {
        LeaseStore store = open(NET_CONF);
        long old = store.list().revision();
        Lease lease = store.acquire(request("192.0.2.1"));
        ETCD.put(prefix + "/unrelated", "x");
        ETCD.compact();
        Recorder recorder = new Recorder();

        try (AutoCloseable watch = store.watch(old, recorder)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> recorder.events.size() == 1);
            assertEquals(LeaseEvent.Type.ADDED, recorder.events.get(0).type());
            assertEquals(lease.subnet(), recorder.events.get(0).lease().subnet());
        }
    }

    @Test
    void closingTheStoreStopsItsWatchThreads() throws Exception {
        LeaseStore store = newStore(NET_CONF);
        store.watch(store.list().revision(), new Recorder());
        store.watch(0, new Recorder());
        await().atMost(Duration.ofSeconds(5)).until(() -> watchThreads() == 2);

        store.close();

        assertEquals(0, watchThreads(), "no watch thread left behind");
    }

    private long watchThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().equals("weft-etcd-watch " + prefix + "/subnets/"))
            .count();
    }
}
