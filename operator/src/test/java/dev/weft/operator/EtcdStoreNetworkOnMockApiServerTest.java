package dev.weft.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.BackendSpec;
import dev.weft.core.api.EtcdStoreSpec;
import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkSpec;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.etcd.EtcdLeaseStore;
import dev.weft.core.etcd.EtcdTestServer;
import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OverlayNetworks on the etcd store: the operator on fabric8's mock API server in CRUD mode, etcd
 * real (on loopback, started by the test).
 */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class EtcdStoreNetworkOnMockApiServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final EtcdTestServer ETCD = EtcdTestServer.get();

    @Inject
    KubernetesClient client;

    private OverlayNetwork network(String name, String cidr, String prefix) {
        var etcd = new EtcdStoreSpec();
        etcd.setEndpoints(List.of(ETCD.endpoint()));
        etcd.setPrefix(prefix);
        var store = new LeaseStoreSpec();
        store.setType("etcd");
        store.setEtcd(etcd);
        var backend = new BackendSpec();
        backend.setType("vxlan");
        var spec = new OverlayNetworkSpec();
        spec.setNetwork(cidr);
        spec.setBackend(backend);
        spec.setLeaseStore(store);
        var network = new OverlayNetwork();
        network.setMetadata(new ObjectMetaBuilder().withName(name).build());
        network.setSpec(spec);
        return client.resource(network).create();
    }

    private Condition degraded(String name) {
        OverlayNetwork n = client.resources(OverlayNetwork.class).withName(name).get();
        return n == null || n.getStatus() == null ? null : n.getStatus().condition("Degraded");
    }

    @Test
    void theConfigIsWrittenToEtcdAndEtcdLeasesAreMirroredAsSubnetLeases() throws Exception {
        String prefix = ETCD.uniquePrefix("mirror");
        OverlayNetwork network = network("etcd-mirror", "10.210.0.0/16", prefix);
        await().atMost(WAIT).until(() -> degraded("etcd-mirror") != null);
        assertEquals("EtcdConfigWritten", degraded("etcd-mirror").getReason(), degraded("etcd-mirror").getMessage());

        try (LeaseStore host = EtcdLeaseStore.open(ETCD.options(prefix))) {
            var config = host.getNetworkConfig();
            assertEquals(Cidr.parse("10.210.0.0/16"), config.network());
            assertEquals("vxlan", config.backendType());

            Lease lease = host.acquire(new AcquireRequest(
                LeaseAttrs.of(IpAddresses.parseIpv4("192.168.50.1"), "vxlan", "{\"VtepMAC\":\"02:00:00:00:00:01\"}"), null, Duration.ofHours(1)));
            String mirrorName = SubnetLease.nameFor("etcd-mirror", lease.subnet().ipv4());
            await().atMost(WAIT).until(() -> client.resources(SubnetLease.class).withName(mirrorName).get() != null);
            SubnetLease mirror = client.resources(SubnetLease.class).withName(mirrorName).get();
            assertEquals("etcd", mirror.getMetadata().getLabels().get(ApiGroup.MIRROR_LABEL));
            assertEquals("etcd-mirror", mirror.getMetadata().getLabels().get(ApiGroup.NETWORK_LABEL));
            assertEquals("192.168.50.1", mirror.getSpec().getPublicIP());
            assertEquals(lease.subnet().ipv4().toString(), mirror.getSpec().getSubnet());
            assertEquals("vxlan", mirror.getSpec().getBackend().getType());
            assertEquals(network.getMetadata().getUid(), mirror.getMetadata().getOwnerReferences().get(0).getUid());
            await().atMost(WAIT).until(() -> client.resources(SubnetLease.class).withName(mirrorName).get().getStatus() != null);
            assertEquals("Active", client.resources(SubnetLease.class).withName(mirrorName).get().getStatus().getState());
            await().atMost(WAIT).until(() -> {
                OverlayNetwork n = client.resources(OverlayNetwork.class).withName("etcd-mirror").get();
                return n.getStatus().getSubnets() != null && n.getStatus().getSubnets().getLeased() == 1;
            });

            host.release(lease);
            await().atMost(WAIT).until(() -> client.resources(SubnetLease.class).withName(mirrorName).get() == null);
        }
    }

    @Test
    void aDifferentConfigAlreadyInEtcdIsReportedAndLeftAlone() {
        String prefix = ETCD.uniquePrefix("differs");
        String theirs = "{\"Network\":\"10.211.0.0/16\",\"SubnetLen\":26,\"Backend\":{\"Type\":\"udp\"}}";
        ETCD.put(prefix + "/config", theirs);

        network("etcd-differs", "10.211.0.0/16", prefix);

        await().atMost(WAIT).until(() -> degraded("etcd-differs") != null);
        Condition degraded = degraded("etcd-differs");
        assertEquals("True", degraded.getStatus());
        assertEquals("EtcdConfigDiffers", degraded.getReason());
        assertTrue(degraded.getMessage().contains(prefix + "/config"), degraded.getMessage());
        try (LeaseStore host = EtcdLeaseStore.open(ETCD.options(prefix))) {
            assertEquals(26, host.getNetworkConfig().subnetLen(), "etcd's config is not overwritten");
        }
    }

    @Test
    void theSameConfigInEtcdIsAsExpected() {
        String prefix = ETCD.uniquePrefix("same");
        var spec = new OverlayNetworkSpec();
        spec.setNetwork("10.212.0.0/16");
        var backend = new BackendSpec();
        backend.setType("vxlan");
        spec.setBackend(backend);
        ETCD.put(prefix + "/config", NetworkConfigJson.write(dev.weft.core.api.OverlayNetworkConfig.of(spec).network()));

        network("etcd-same", "10.212.0.0/16", prefix);

        await().atMost(WAIT).until(() -> degraded("etcd-same") != null);
        assertEquals("AsExpected", degraded("etcd-same").getReason());
        assertEquals("False", degraded("etcd-same").getStatus());
        assertNull(client.resources(SubnetLease.class).withLabel(ApiGroup.NETWORK_LABEL, "etcd-same").list().getItems()
            .stream().findAny().orElse(null), "no leases yet, no mirrors");
    }
}
