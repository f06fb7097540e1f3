package dev.weft.operator;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.InvalidSpecException;
import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkConfig;
import dev.weft.core.api.OverlayNetworkStatus;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseStatus;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * OverlayNetwork → the agent's ServiceAccount, ClusterRole, binding, ConfigMap and DaemonSet, and
 * a status that says whether the network works and, if not, which field is wrong. The dependents
 * are reconciled only for a valid spec: an invalid edit leaves the running agents as they are.
 */
@Workflow(explicitInvocation = true, dependents = {
    @Dependent(type = AgentServiceAccount.class),
    @Dependent(type = AgentClusterRole.class),
    @Dependent(type = AgentClusterRoleBinding.class),
    @Dependent(type = AgentConfigMap.class),
    @Dependent(type = AgentDaemonSet.class)
})
// Not generation-aware: a spec edit that lands while a reconciliation patches the status would
// otherwise be taken for our own update and missed. Unchanged status is not written, so our own
// events do not loop.
@ControllerConfiguration(name = "overlaynetwork", generationAwareEventProcessing = false)
public class OverlayNetworkReconciler implements Reconciler<OverlayNetwork>, Cleaner<OverlayNetwork> {
    private static final Logger LOG = Logger.getLogger(OverlayNetworkReconciler.class);
    /** An overlap with another network can clear without an event on this one: look again now and then. */
    private static final Duration RECHECK_INVALID = Duration.ofSeconds(30);

    private final Clock clock = Clock.systemUTC();

    @Inject
    EtcdNetworks etcdNetworks;

    @Override
    public List<EventSource<?, OverlayNetwork>> prepareEventSources(EventSourceContext<OverlayNetwork> context) {
        // Lease counts in the status follow the network's SubnetLeases.
        var leases = InformerEventSourceConfiguration.from(SubnetLease.class, OverlayNetwork.class)
            .withName("subnetleases")
            .withSecondaryToPrimaryMapper(lease -> {
                String network = lease.getMetadata().getLabels() == null ? null : lease.getMetadata().getLabels().get(ApiGroup.NETWORK_LABEL);
                return network == null ? Set.of() : Set.of(new ResourceID(network));
            })
            .build();
        return List.of(new InformerEventSource<>(leases, context));
    }

    @Override
    public UpdateControl<OverlayNetwork> reconcile(OverlayNetwork network, Context<OverlayNetwork> context) {
        OverlayNetworkStatus status = network.getStatus() == null ? new OverlayNetworkStatus() : network.getStatus();
        String before = Serialization.asJson(status);
        network.setStatus(status);
        long generation = network.getMetadata().getGeneration() == null ? 0 : network.getMetadata().getGeneration();
        status.setObservedGeneration(generation);

        OverlayNetworkConfig config;
        try {
            config = NetworkValidation.validate(network, context.getPrimaryCache().list().toList());
        } catch (InvalidSpecException e) {
            LOG.infof("OverlayNetwork %s is invalid: %s", network.getMetadata().getName(), e.getMessage());
            Conditions.set(status, Conditions.READY, false, "InvalidSpec", e.getMessage(), generation, clock);
            Conditions.set(status, Conditions.PROGRESSING, false, "InvalidSpec", "nothing is deployed for an invalid spec", generation, clock);
            Conditions.set(status, Conditions.DEGRADED, true, "InvalidSpec", e.getMessage(), generation, clock);
            return patchIfChanged(network, before).rescheduleAfter(RECHECK_INVALID);
        }

        context.managedWorkflowAndDependentResourceContext().reconcileManagedWorkflow();
        boolean etcdTrouble = checkEtcd(network, config, context, status, generation);

        int leased = (int) context.getSecondaryResources(SubnetLease.class).stream().filter(this::isLive).count();
        status.setSubnets(new OverlayNetworkStatus.Subnets(config.network().ipv4Capacity(), leased));
        DaemonSet daemonSet = context.getSecondaryResource(DaemonSet.class).orElse(null);
        setRolloutStatus(status, daemonSet, generation);
        UpdateControl<OverlayNetwork> control = patchIfChanged(network, before);
        return etcdTrouble ? control.rescheduleAfter(RECHECK_INVALID) : control;
    }

    /**
     * With the etcd store: writes the config to {@code <prefix>/config} when absent, keeps the lease
     * mirror running, and says in Degraded when etcd holds another config or cannot be reached.
     * With the kubernetes store, Degraded only says the spec is valid. True when etcd needs a retry.
     */
    private boolean checkEtcd(OverlayNetwork network, OverlayNetworkConfig config, Context<OverlayNetwork> context,
                              OverlayNetworkStatus status, long generation) {
        String name = network.getMetadata().getName();
        if (!LeaseStoreSpec.ETCD.equals(network.getSpec().leaseStoreOrDefault().typeOrDefault())) {
            etcdNetworks.close(name);
            Conditions.set(status, Conditions.DEGRADED, false, "AsExpected", "the spec is valid", generation, clock);
            return false;
        }
        try {
            var check = etcdNetworks.sync(network, config.network(), context.getClient(), AgentObjects.namespace(context));
            switch (check.state()) {
                case DIFFERENT -> Conditions.set(status, Conditions.DEGRADED, true, "EtcdConfigDiffers", "etcd key "
                    + check.key() + " holds a different network config, which flanneld and the agents follow: "
                    + check.etcdJson() + "; delete the key to have the spec's written, or change the spec", generation, clock);
                case WRITTEN -> Conditions.set(status, Conditions.DEGRADED, false, "EtcdConfigWritten",
                    "wrote the network config to etcd key " + check.key(), generation, clock);
                case SAME -> Conditions.set(status, Conditions.DEGRADED, false, "AsExpected",
                    "etcd key " + check.key() + " holds the spec's network config", generation, clock);
            }
            return false;
        } catch (RuntimeException e) {
            LOG.warnf("OverlayNetwork %s: etcd: %s", name, e.getMessage());
            Conditions.set(status, Conditions.DEGRADED, true, "EtcdUnreachable", "etcd "
                + network.getSpec().getLeaseStore().getEtcd().getEndpoints() + ": " + e.getMessage(), generation, clock);
            return true;
        }
    }

    private static UpdateControl<OverlayNetwork> patchIfChanged(OverlayNetwork network, String statusBefore) {
        return statusBefore.equals(Serialization.asJson(network.getStatus()))
            ? UpdateControl.noUpdate() : UpdateControl.patchStatus(network);
    }

    private void setRolloutStatus(OverlayNetworkStatus status, DaemonSet daemonSet, long generation) {
        var ds = daemonSet == null ? null : daemonSet.getStatus();
        int desired = ds == null || ds.getDesiredNumberScheduled() == null ? 0 : ds.getDesiredNumberScheduled();
        int ready = ds == null || ds.getNumberReady() == null ? 0 : ds.getNumberReady();
        int updated = ds == null || ds.getUpdatedNumberScheduled() == null ? 0 : ds.getUpdatedNumberScheduled();
        status.setAgents(new OverlayNetworkStatus.Agents(desired, ready));
        boolean rolledOut = daemonSet != null && ds != null && ds.getObservedGeneration() != null
            && ds.getObservedGeneration() >= daemonSet.getMetadata().getGeneration() && updated >= desired;
        if (!rolledOut) {
            Conditions.set(status, Conditions.PROGRESSING, true, "RollingOut",
                "agents updated " + updated + " of " + desired, generation, clock);
        } else {
            Conditions.set(status, Conditions.PROGRESSING, false, "RolledOut",
                "every agent runs the current spec", generation, clock);
        }
        if (desired > 0 && ready >= desired && rolledOut) {
            Conditions.set(status, Conditions.READY, true, "AgentsReady", ready + " of " + desired + " agents ready", generation, clock);
        } else if (daemonSet != null && ds != null && desired == 0 && ds.getObservedGeneration() != null) {
            Conditions.set(status, Conditions.READY, false, "NoNodes", "no node matches the agent's node selector", generation, clock);
        } else {
            Conditions.set(status, Conditions.READY, false, "AgentsNotReady", ready + " of " + desired + " agents ready", generation, clock);
        }
    }

    private boolean isLive(SubnetLease lease) {
        if (lease.getStatus() != null && SubnetLeaseStatus.EXPIRED.equals(lease.getStatus().getState())) {
            return false;
        }
        String expiresAt = lease.getSpec() == null ? null : lease.getSpec().getExpiresAt();
        try {
            return expiresAt == null || Instant.parse(expiresAt).isAfter(clock.instant());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Stops the etcd mirror and removes what the network deployed, and the leases its agents held or
     * that mirrored etcd (reservations stay: people made them). Owner references would have the API server's garbage collector do the first part;
     * doing it here makes deletion complete whether or not a collector runs.
     */
    @Override
    public DeleteControl cleanup(OverlayNetwork network, Context<OverlayNetwork> context) {
        etcdNetworks.close(network.getMetadata().getName());
        KubernetesClient client = context.getClient();
        String name = AgentObjects.name(network);
        String namespace = AgentObjects.namespace(context);
        client.apps().daemonSets().inNamespace(namespace).withName(name).delete();
        client.configMaps().inNamespace(namespace).withName(name).delete();
        client.rbac().clusterRoleBindings().withName(name).delete();
        client.rbac().clusterRoles().withName(name).delete();
        client.serviceAccounts().inNamespace(namespace).withName(name).delete();
        for (SubnetLease lease : client.resources(SubnetLease.class)
                .withLabel(ApiGroup.NETWORK_LABEL, network.getMetadata().getName()).list().getItems()) {
            if (lease.getSpec() != null && lease.getSpec().getExpiresAt() != null) {
                client.resource(lease).delete();
            }
        }
        LOG.infof("OverlayNetwork %s deleted: removed its agents and leases", network.getMetadata().getName());
        return DeleteControl.defaultDelete();
    }
}
