package dev.weft.core.kube;

import dev.weft.core.api.SubnetLease;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseLostException;
import dev.weft.core.lease.LeaseStoreException;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.SubnetKey;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The second allocation mode (Flannel's kube subnet manager): Kubernetes already gave each node a
 * subnet in {@code spec.podCIDR(s)}; the agent publishes it as that node's SubnetLease so that its
 * peers find it like any other lease.
 */
final class NodePodCidrLeases {
    private static final int ATTEMPTS = 5;

    private final KubernetesSubnetRegistry registry;

    NodePodCidrLeases(KubernetesSubnetRegistry registry) {
        this.registry = registry;
    }

    Lease acquire(NetworkConfig config, AcquireRequest request) {
        SubnetKey subnet = podCidrOf(config);
        String name = SubnetLease.nameFor(registry.network(), subnet.ipv4());
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<Lease> existing = registry.list().leases().stream()
                .filter(l -> SubnetLease.nameFor(registry.network(), l.subnet().ipv4()).equals(name))
                .findFirst();
            try {
                if (existing.isEmpty()) {
                    Optional<Lease> created = registry.create(subnet, request.attrs(), request.ttl());
                    if (created.isPresent()) {
                        return created.get();
                    }
                    continue; // someone created it between our list and our create: look again
                }
                Lease lease = existing.get();
                // The podCIDR is this node's by the API server's word: a lease left on it by a node
                // that had it before is taken over, conditionally on its version.
                return registry.update(new Lease(subnet, lease.attrs(), lease.expiration(), lease.version()),
                    request.attrs(), lease.isReservation() ? null : request.ttl());
            } catch (LeaseLostException e) {
                // changed under us: look again
            }
        }
        throw new LeaseStoreException("could not publish node " + registry.node() + "'s podCIDR " + subnet
            + ": its SubnetLease kept changing (" + ATTEMPTS + " attempts)");
    }

    private SubnetKey podCidrOf(NetworkConfig config) {
        Node node;
        try {
            node = registry.client().nodes().withName(registry.node()).get();
        } catch (KubernetesClientException e) {
            throw new LeaseStoreException("cannot read Node " + registry.node() + ": " + e.getMessage(), e);
        }
        if (node == null) {
            throw new LeaseStoreException("no Node named " + registry.node() + " (is NODE_NAME right?)");
        }
        List<String> cidrs = new ArrayList<>();
        if (node.getSpec() != null && node.getSpec().getPodCIDRs() != null) {
            cidrs.addAll(node.getSpec().getPodCIDRs());
        }
        if (cidrs.isEmpty() && node.getSpec() != null && node.getSpec().getPodCIDR() != null) {
            cidrs.add(node.getSpec().getPodCIDR());
        }
        Cidr v4 = null;
        Cidr v6 = null;
        for (String text : cidrs) {
            Cidr cidr;
            try {
                cidr = Cidr.parse(text);
            } catch (IllegalArgumentException e) {
                throw new LeaseStoreException("Node " + registry.node() + " has an invalid spec.podCIDRs entry \"" + text + "\"");
            }
            if (cidr.isIpv4() && v4 == null) {
                v4 = cidr;
            } else if (!cidr.isIpv4() && v6 == null) {
                v6 = cidr;
            }
        }
        if (v4 == null) {
            throw new LeaseStoreException("Node " + registry.node() + " has no IPv4 spec.podCIDR yet "
                + "(the controller manager assigns one with --allocate-node-cidrs)");
        }
        if (!config.network().contains(v4)) {
            throw new LeaseStoreException("Node " + registry.node() + "'s podCIDR " + v4
                + " is outside the network " + config.network());
        }
        if (config.enableIpv6()) {
            if (v6 == null) {
                throw new LeaseStoreException("Node " + registry.node() + " has no IPv6 podCIDR, but the network is dual-stack");
            }
            if (!config.ipv6Network().contains(v6)) {
                throw new LeaseStoreException("Node " + registry.node() + "'s IPv6 podCIDR " + v6
                    + " is outside the network " + config.ipv6Network());
            }
            return new SubnetKey(v4, v6);
        }
        return SubnetKey.of(v4);
    }
}
