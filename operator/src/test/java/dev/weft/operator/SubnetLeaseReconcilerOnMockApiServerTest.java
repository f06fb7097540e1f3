package dev.weft.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseSpec;
import dev.weft.core.api.SubnetLeaseStatus;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Lease expiry against fabric8's mock API server in CRUD mode; the expiry grace is 1 s in tests. */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class SubnetLeaseReconcilerOnMockApiServerTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    KubernetesClient client;

    private SubnetLease lease(String name, Instant expiresAt, boolean mirror) {
        var lease = new SubnetLease();
        var meta = new ObjectMetaBuilder().withName(name).addToLabels(ApiGroup.NETWORK_LABEL, "expiry");
        if (mirror) {
            meta.addToLabels(ApiGroup.MIRROR_LABEL, "etcd");
        }
        lease.setMetadata(meta.build());
        var spec = new SubnetLeaseSpec();
        spec.setNetwork("expiry");
        spec.setSubnet("10.77." + Math.abs(name.hashCode() % 250) + ".0/24");
        spec.setPublicIP("192.168.7.1");
        spec.setExpiresAt(expiresAt == null ? null : expiresAt.toString());
        lease.setSpec(spec);
        return client.resource(lease).create();
    }

    private SubnetLease get(String name) {
        return client.resources(SubnetLease.class).withName(name).get();
    }

    private String state(String name) {
        SubnetLease lease = get(name);
        return lease == null || lease.getStatus() == null ? null : lease.getStatus().getState();
    }

    @Test
    void aLeasePastItsExpiryGoesExpiredThenAway() {
        lease("expiry.soon", Instant.now().plusMillis(1500), false);
        await().atMost(WAIT).until(() -> SubnetLeaseStatus.ACTIVE.equals(state("expiry.soon")));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(50)).until(() -> SubnetLeaseStatus.EXPIRED.equals(state("expiry.soon")));
        await().atMost(WAIT).until(() -> get("expiry.soon") == null);
    }

    @Test
    void aReservationStaysActiveForever() throws Exception {
        lease("expiry.reserved", null, false);
        await().atMost(WAIT).until(() -> SubnetLeaseStatus.ACTIVE.equals(state("expiry.reserved")));
        Thread.sleep(2500);
        assertEquals(SubnetLeaseStatus.ACTIVE, state("expiry.reserved"));
    }

    @Test
    void renewedAtFollowsEachRenewal() {
        lease("expiry.renewed", Instant.now().plus(Duration.ofHours(1)), false);
        await().atMost(WAIT).until(() -> get("expiry.renewed").getStatus() != null
            && Long.valueOf(1).equals(get("expiry.renewed").getStatus().getObservedGeneration()));
        assertNotNull(get("expiry.renewed").getStatus().getRenewedAt());

        client.resources(SubnetLease.class).withName("expiry.renewed").edit(l -> {
            l.getSpec().setExpiresAt(Instant.now().plus(Duration.ofHours(2)).toString());
            return l;
        });

        await().atMost(WAIT).until(() -> Long.valueOf(2).equals(get("expiry.renewed").getStatus().getObservedGeneration()));
        assertEquals(SubnetLeaseStatus.ACTIVE, state("expiry.renewed"));
    }

    @Test
    void aMirrorOfAnEtcdLeaseIsLeftToEtcd() throws Exception {
        lease("expiry.mirror", Instant.now().minusSeconds(60), true);
        Thread.sleep(2500);
        assertNotNull(get("expiry.mirror"));
        assertNull(state("expiry.mirror"));
    }
}
