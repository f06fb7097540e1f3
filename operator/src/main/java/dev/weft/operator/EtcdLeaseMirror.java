package dev.weft.operator;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseStatus;
import dev.weft.core.kube.SubnetLeaseMapping;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseListener;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Shows an etcd network's leases as SubnetLease objects, labelled {@value ApiGroup#MIRROR_LABEL}=etcd,
 * so that {@code kubectl get subnetleases} lists every lease whichever store holds it. etcd stays the
 * truth: a mirror is rewritten from etcd on every change and deleted when etcd's lease goes.
 */
final class EtcdLeaseMirror implements LeaseListener {
    static final String MIRROR_VALUE = "etcd";
    private static final Logger LOG = Logger.getLogger(EtcdLeaseMirror.class);

    private final KubernetesClient client;
    private final OverlayNetwork network;
    private final String name;

    EtcdLeaseMirror(KubernetesClient client, OverlayNetwork network) {
        this.client = client;
        this.network = network;
        this.name = network.getMetadata().getName();
    }

    /** Makes the mirrors exactly the leases of {@code snapshot}: creates, rewrites and deletes. */
    void resync(List<Lease> leases) {
        Set<String> wanted = new HashSet<>();
        for (Lease lease : leases) {
            wanted.add(SubnetLease.nameFor(name, lease.subnet().ipv4()));
            upsert(lease);
        }
        for (SubnetLease mirror : client.resources(SubnetLease.class)
                .withLabel(ApiGroup.NETWORK_LABEL, name).withLabel(ApiGroup.MIRROR_LABEL, MIRROR_VALUE).list().getItems()) {
            if (!wanted.contains(mirror.getMetadata().getName())) {
                delete(mirror.getMetadata().getName());
            }
        }
    }

    @Override
    public void onEvents(List<LeaseEvent> events) {
        for (LeaseEvent event : events) {
            try {
                if (event.type() == LeaseEvent.Type.REMOVED) {
                    delete(SubnetLease.nameFor(name, event.lease().subnet().ipv4()));
                } else {
                    upsert(event.lease());
                }
            } catch (KubernetesClientException e) {
                LOG.warnf("cannot mirror etcd lease %s of %s: %s", event.lease().subnet(), name, e.getMessage());
            }
        }
    }

    private void upsert(Lease lease) {
        SubnetLease desired = SubnetLeaseMapping.toResource(name, null, lease.subnet(), lease.attrs(), lease.expiration());
        desired.getMetadata().getLabels().put(ApiGroup.MIRROR_LABEL, MIRROR_VALUE);
        desired.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
            .withApiVersion(network.getApiVersion()).withKind(network.getKind())
            .withName(name).withUid(network.getMetadata().getUid()).build()));
        var leases = client.resources(SubnetLease.class);
        SubnetLease existing = leases.withName(desired.getMetadata().getName()).get();
        SubnetLease written;
        if (existing == null) {
            written = leases.resource(desired).create();
        } else if (existing.getMetadata().getLabels() == null || !existing.getMetadata().getLabels().containsKey(ApiGroup.MIRROR_LABEL)) {
            LOG.warnf("not mirroring etcd lease %s: SubnetLease %s exists and is no mirror", lease.subnet(), existing.getMetadata().getName());
            return;
        } else {
            existing.setSpec(desired.getSpec());
            written = leases.resource(existing).update();
        }
        if (written.getStatus() == null || !SubnetLeaseStatus.ACTIVE.equals(written.getStatus().getState())) {
            written.setStatus(new SubnetLeaseStatus(SubnetLeaseStatus.ACTIVE, null));
            leases.resource(written).updateStatus();
        }
    }

    private void delete(String leaseName) {
        SubnetLease existing = client.resources(SubnetLease.class).withName(leaseName).get();
        if (existing != null && existing.getMetadata().getLabels() != null
                && MIRROR_VALUE.equals(existing.getMetadata().getLabels().get(ApiGroup.MIRROR_LABEL))) {
            client.resource(existing).delete();
        }
    }
}
