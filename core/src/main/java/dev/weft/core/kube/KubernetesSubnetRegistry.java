package dev.weft.core.kube;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.InvalidSpecException;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkConfig;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.lease.ConfigNotFoundException;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseListener;
import dev.weft.core.lease.LeaseLostException;
import dev.weft.core.lease.LeaseSnapshot;
import dev.weft.core.lease.LeaseStoreException;
import dev.weft.core.lease.SubnetRegistry;
import dev.weft.core.net.SubnetKey;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import java.lang.System.Logger.Level;
import java.net.HttpURLConnection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leases as SubnetLease objects (design.md "Lease semantics"): the object's name is the subnet, so
 * creating it is the lock (409: someone else has it); every rewrite carries the resourceVersion it
 * read (409: the lease changed under us); removal is a delete with a resourceVersion precondition.
 * A lease's version is the object's uid and generation ({@link SubnetLeaseMapping#versionOf}): the
 * operator's status updates move the resourceVersion but are no change of the lease.
 */
public final class KubernetesSubnetRegistry implements SubnetRegistry {
    /** Set, with a conditional update, on a lease about to be deleted: that update is what makes the delete ours. */
    static final String RELEASING_ANNOTATION = ApiGroup.NAME + "/releasing";
    private static final System.Logger LOG = System.getLogger(KubernetesSubnetRegistry.class.getName());

    private final KubernetesClient client;
    private final String network;
    private final String node;
    private final Clock clock;
    private final Set<SubnetLeaseWatch> watches = ConcurrentHashMap.newKeySet();
    /** The leases of the last list, so that a watch continuing it can tell a replayed ADDED from a new lease. */
    private volatile SnapshotState lastList = new SnapshotState(-1, Map.of());

    public KubernetesSubnetRegistry(KubernetesClient client, String network, String node, Clock clock) {
        this.client = client;
        this.network = network;
        this.node = node;
        this.clock = clock;
    }

    String network() {
        return network;
    }

    String node() {
        return node;
    }

    KubernetesClient client() {
        return client;
    }

    NonNamespaceOperation<SubnetLease, KubernetesResourceList<SubnetLease>, Resource<SubnetLease>> leases() {
        return client.resources(SubnetLease.class);
    }

    /** The OverlayNetwork this registry serves, or a {@link ConfigNotFoundException}. */
    OverlayNetwork overlayNetwork() {
        OverlayNetwork resource;
        try {
            resource = client.resources(OverlayNetwork.class).withName(network).get();
        } catch (KubernetesClientException e) {
            throw new LeaseStoreException("cannot read OverlayNetwork " + network + ": " + e.getMessage(), e);
        }
        if (resource == null) {
            throw new ConfigNotFoundException("no OverlayNetwork named " + network + " (kubectl get overlaynetworks)");
        }
        return resource;
    }

    @Override
    public NetworkConfig getNetworkConfig() {
        OverlayNetwork resource = overlayNetwork();
        try {
            return OverlayNetworkConfig.of(resource.getSpec()).network();
        } catch (InvalidSpecException e) {
            throw new LeaseStoreException("OverlayNetwork " + network + " is invalid: " + e.getMessage(), e);
        }
    }

    @Override
    public LeaseSnapshot list() {
        KubernetesResourceList<SubnetLease> list;
        try {
            list = leases().withLabel(ApiGroup.NETWORK_LABEL, network).list();
        } catch (KubernetesClientException e) {
            throw new LeaseStoreException("cannot list SubnetLeases of " + network + ": " + e.getMessage(), e);
        }
        Map<String, Lease> byName = new LinkedHashMap<>();
        for (SubnetLease resource : list.getItems()) {
            Optional<Lease> lease = wellFormed(resource);
            lease.ifPresent(l -> byName.put(resource.getMetadata().getName(), l));
        }
        long revision = parseRevision(list.getMetadata().getResourceVersion());
        lastList = new SnapshotState(revision, Map.copyOf(byName));
        return new LeaseSnapshot(new ArrayList<>(byName.values()), revision);
    }

    @Override
    public Optional<Lease> create(SubnetKey subnet, LeaseAttrs attrs, Duration ttl) {
        Instant now = clock.instant();
        SubnetLease resource = SubnetLeaseMapping.toResource(network, node, subnet, attrs, ttl == null ? null : now.plus(ttl));
        SubnetLease created;
        try {
            created = leases().resource(resource).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
                return Optional.empty();
            }
            throw new LeaseStoreException("cannot create SubnetLease " + resource.getMetadata().getName() + ": " + e.getMessage(), e);
        }
        return Optional.of(SubnetLeaseMapping.toLease(created));
    }

    @Override
    public Lease update(Lease current, LeaseAttrs attrs, Duration ttl) {
        String name = SubnetLease.nameFor(network, current.subnet().ipv4());
        SubnetLease stored = currentOrLost(name, current);
        Instant now = clock.instant();
        SubnetLeaseMapping.writeSpec(stored.getSpec(), current.subnet(), attrs, ttl == null ? null : now.plus(ttl));
        SubnetLease updated;
        try {
            updated = leases().resource(stored).update(); // carries the resourceVersion read: 409 if it changed since
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                throw new LeaseLostException("lease " + name + " changed or vanished while renewing it");
            }
            throw new LeaseStoreException("cannot update SubnetLease " + name + ": " + e.getMessage(), e);
        }
        return SubnetLeaseMapping.toLease(updated);
    }

    @Override
    public boolean delete(Lease lease) {
        String name = SubnetLease.nameFor(network, lease.subnet().ipv4());
        for (int attempt = 0; attempt < 3; attempt++) {
            SubnetLease stored;
            try {
                stored = currentOrLost(name, lease);
            } catch (LeaseLostException e) {
                return false;
            }
            try {
                // A conditional update claims the object first: a server that ignored delete preconditions
                // (the mock API server does) could otherwise delete a lease another host created meanwhile.
                if (stored.getMetadata().getAnnotations() == null) {
                    stored.getMetadata().setAnnotations(new LinkedHashMap<>());
                }
                stored.getMetadata().getAnnotations().put(RELEASING_ANNOTATION, "true");
                stored = leases().resource(stored).update();
                leases().withName(name).lockResourceVersion(stored.getMetadata().getResourceVersion()).delete();
                return true;
            } catch (KubernetesClientException e) {
                if (e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                    return false;
                }
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw new LeaseStoreException("cannot delete SubnetLease " + name + ": " + e.getMessage(), e);
                }
                // 409: a status update or a renewal came first; look again whether it is still ours
            }
        }
        return false;
    }

    @Override
    public AutoCloseable watch(long afterRevision, LeaseListener listener) {
        SnapshotState seen = lastList;
        Map<String, Lease> known = seen.revision() == afterRevision ? seen.leases() : Map.of();
        var watch = new SubnetLeaseWatch(this, listener, known, afterRevision, watches::remove);
        watches.add(watch);
        watch.start();
        return watch;
    }

    @Override
    public void close() {
        for (SubnetLeaseWatch watch : List.copyOf(watches)) {
            watch.close();
        }
    }

    /** The stored object while it still has {@code lease}'s version; else {@link LeaseLostException}. */
    private SubnetLease currentOrLost(String name, Lease lease) {
        SubnetLease stored;
        try {
            stored = leases().withName(name).get();
        } catch (KubernetesClientException e) {
            throw new LeaseStoreException("cannot read SubnetLease " + name + ": " + e.getMessage(), e);
        }
        if (stored == null) {
            throw new LeaseLostException("lease " + name + " is gone");
        }
        String version = SubnetLeaseMapping.versionOf(stored);
        if (!version.equals(lease.version())) {
            throw new LeaseLostException("lease " + name + " changed since it was read (version "
                + lease.version() + ", now " + version + ")");
        }
        return stored;
    }

    /** The lease, or empty (logged) when the object is malformed or belongs to another network. */
    Optional<Lease> wellFormed(SubnetLease resource) {
        if (resource.getSpec() != null && !network.equals(resource.getSpec().getNetwork())) {
            LOG.log(Level.WARNING, "skipping SubnetLease {0}: labelled for network {1} but spec.network is {2}",
                resource.getMetadata().getName(), network, resource.getSpec().getNetwork());
            return Optional.empty();
        }
        try {
            return Optional.of(SubnetLeaseMapping.toLease(resource));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "skipping: {0}", e.getMessage());
            return Optional.empty();
        }
    }

    static long parseRevision(String resourceVersion) {
        try {
            return resourceVersion == null ? 0 : Long.parseLong(resourceVersion);
        } catch (NumberFormatException e) {
            throw new LeaseStoreException("the API server's resourceVersion \"" + resourceVersion
                + "\" is not a number; this store needs etcd-backed numeric versions");
        }
    }

    record SnapshotState(long revision, Map<String, Lease> leases) {
    }
}
