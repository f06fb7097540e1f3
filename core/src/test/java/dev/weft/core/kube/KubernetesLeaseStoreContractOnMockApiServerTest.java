package dev.weft.core.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.BackendSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkSpec;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseListener;
import dev.weft.core.lease.LeaseSnapshot;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.LeaseStoreContract;
import dev.weft.core.net.SubnetKey;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The shared lease store contract, run against the Kubernetes store on fabric8's mock API server in
 * CRUD mode (no real API server runs here). Each test method gets its own OverlayNetwork; each store
 * its own client, as each host would have.
 */
class KubernetesLeaseStoreContractOnMockApiServerTest extends LeaseStoreContract {
    private static final AtomicInteger NETWORKS = new AtomicInteger();
    private static MockApiServer server;
    private String network;

    @BeforeAll
    static void startServer() {
        server = new MockApiServer();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @BeforeEach
    void newNetwork() {
        network = "contract" + NETWORKS.incrementAndGet();
    }

    @Override
    protected LeaseStore newStore(String netConfJson) {
        if (server.client().resources(OverlayNetwork.class).withName(network).get() == null) {
            createNetwork(netConfJson);
        }
        KubernetesClient own = server.newClient();
        return new ClosingItsClient(KubernetesLeaseStore.open(own, network, "node-" + NETWORKS.get()), own);
    }

    /** The OverlayNetwork that says what {@code netConfJson} (Flannel's form) says. */
    private void createNetwork(String netConfJson) {
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(netConfJson);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        var spec = new OverlayNetworkSpec();
        spec.setNetwork(json.get("Network").asText());
        spec.setSubnetLength(json.has("SubnetLen") ? json.get("SubnetLen").asInt() : null);
        spec.setSubnetMin(json.has("SubnetMin") ? json.get("SubnetMin").asText() : null);
        spec.setSubnetMax(json.has("SubnetMax") ? json.get("SubnetMax").asText() : null);
        var backend = new BackendSpec();
        backend.setType(json.get("Backend").get("Type").asText());
        spec.setBackend(backend);
        var resource = new OverlayNetwork();
        resource.setMetadata(new ObjectMetaBuilder().withName(network).build());
        resource.setSpec(spec);
        server.client().resource(resource).create();
    }

    @Override
    protected void putReservation(SubnetKey subnet, LeaseAttrs attrs) {
        new KubernetesSubnetRegistry(server.client(), network, "reserved", Clock.systemUTC()).create(subnet, attrs, null).orElseThrow();
    }

    /** No TTL removes a SubnetLease: the operator's expiry does, which this runs once the lease has lapsed. */
    @Override
    protected void letExpire(Lease lease) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> lease.isExpired(Instant.now()));
        for (SubnetLease resource : server.client().resources(SubnetLease.class).withLabel(ApiGroup.NETWORK_LABEL, network).list().getItems()) {
            if (LeaseExpiry.decide(resource, Instant.now(), Duration.ZERO).delete()) {
                LeaseExpiry.delete(server.client(), resource);
            }
        }
    }

    /** A store that closes the client it was opened with, as an agent does when it stops. */
    private record ClosingItsClient(LeaseStore store, KubernetesClient client) implements LeaseStore {
        @Override
        public NetworkConfig getNetworkConfig() {
            return store.getNetworkConfig();
        }

        @Override
        public Lease acquire(AcquireRequest request) {
            return store.acquire(request);
        }

        @Override
        public Lease renew(Lease lease, LeaseAttrs attrs, Duration ttl) {
            return store.renew(lease, attrs, ttl);
        }

        @Override
        public void release(Lease lease) {
            store.release(lease);
        }

        @Override
        public LeaseSnapshot list() {
            return store.list();
        }

        @Override
        public AutoCloseable watch(long afterRevision, LeaseListener listener) {
            return store.watch(afterRevision, listener);
        }

        @Override
        public void close() {
            store.close();
            client.close();
        }
    }
}
