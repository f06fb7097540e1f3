package dev.weft.core.kube;

import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseListener;
import dev.weft.core.lease.LeaseSnapshot;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.RegistryLeaseStore;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Random;

/**
 * The lease store on the Kubernetes API: leases are SubnetLease objects of one OverlayNetwork,
 * whose spec is the network config. Subnets are allocated by the shared policy
 * ({@link RegistryLeaseStore}), or, with {@code leaseStore.subnetSource: podCIDR}, taken from the
 * node's {@code spec.podCIDR(s)} as Flannel's kube subnet manager does.
 */
public final class KubernetesLeaseStore implements LeaseStore {
    private final KubernetesSubnetRegistry registry;
    private final RegistryLeaseStore allocating;
    private final NodePodCidrLeases podCidrs;

    private KubernetesLeaseStore(KubernetesSubnetRegistry registry, Clock clock, Random random) {
        this.registry = registry;
        this.allocating = new RegistryLeaseStore(registry, clock, random);
        this.podCidrs = new NodePodCidrLeases(registry);
    }

    /**
     * The store for {@code networkName} (an OverlayNetwork) as seen from {@code nodeName}, the
     * Kubernetes Node this agent runs on. The client stays the caller's: closing the store closes
     * only its watches.
     */
    public static LeaseStore open(KubernetesClient client, String networkName, String nodeName) {
        return open(client, networkName, nodeName, Clock.systemUTC(), new SecureRandom());
    }

    public static LeaseStore open(KubernetesClient client, String networkName, String nodeName, Clock clock, Random random) {
        if (networkName == null || networkName.isBlank()) {
            throw new IllegalArgumentException("the Kubernetes lease store needs the OverlayNetwork's name (--network)");
        }
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("the Kubernetes lease store needs this node's name (NODE_NAME)");
        }
        return new KubernetesLeaseStore(new KubernetesSubnetRegistry(client, networkName, nodeName, clock), clock, random);
    }

    @Override
    public NetworkConfig getNetworkConfig() {
        return registry.getNetworkConfig();
    }

    @Override
    public Lease acquire(AcquireRequest request) {
        OverlayNetwork network = registry.overlayNetwork();
        String source = network.getSpec() == null ? LeaseStoreSpec.ALLOCATE
            : network.getSpec().leaseStoreOrDefault().subnetSourceOrDefault();
        if (LeaseStoreSpec.POD_CIDR.equals(source)) {
            return podCidrs.acquire(registry.getNetworkConfig(), request);
        }
        return allocating.acquire(request);
    }

    @Override
    public Lease renew(Lease lease, LeaseAttrs attrs, Duration ttl) {
        return allocating.renew(lease, attrs, ttl);
    }

    @Override
    public void release(Lease lease) {
        allocating.release(lease);
    }

    @Override
    public LeaseSnapshot list() {
        return allocating.list();
    }

    @Override
    public AutoCloseable watch(long afterRevision, LeaseListener listener) {
        return allocating.watch(afterRevision, listener);
    }

    @Override
    public void close() {
        allocating.close();
    }
}
