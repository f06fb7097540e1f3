package dev.weft.operator;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseStatus;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Expiry of the Kubernetes store's leases: a lease past {@code expiresAt} is marked Expired, and
 * deleted once the grace period has passed too (its holder may still renew it meanwhile).
 * Reservations (no expiresAt) are never touched, nor are mirrors of etcd leases (etcd's TTL rules those).
 */
@ControllerConfiguration(name = "subnetlease")
public class SubnetLeaseReconciler implements Reconciler<SubnetLease> {
    private static final Logger LOG = Logger.getLogger(SubnetLeaseReconciler.class);

    private final Clock clock = Clock.systemUTC();

    @ConfigProperty(name = "weft.lease.expiry-grace", defaultValue = "5m")
    Duration grace;

    @Override
    public UpdateControl<SubnetLease> reconcile(SubnetLease lease, Context<SubnetLease> context) {
        boolean mirror = lease.getMetadata().getLabels() != null && lease.getMetadata().getLabels().containsKey(ApiGroup.MIRROR_LABEL);
        if (mirror || lease.getSpec() == null) {
            return UpdateControl.noUpdate();
        }
        String expiresAt = lease.getSpec().getExpiresAt();
        if (expiresAt == null) {
            return setState(lease, SubnetLeaseStatus.ACTIVE);
        }
        Instant expiry;
        try {
            expiry = Instant.parse(expiresAt);
        } catch (DateTimeParseException e) {
            LOG.warnf("SubnetLease %s has an invalid spec.expiresAt \"%s\"; leaving it alone", lease.getMetadata().getName(), expiresAt);
            return UpdateControl.noUpdate();
        }
        Instant now = clock.instant();
        if (now.isBefore(expiry)) {
            return setState(lease, SubnetLeaseStatus.ACTIVE).rescheduleAfter(Duration.between(now, expiry));
        }
        Instant deadline = expiry.plus(grace);
        if (now.isBefore(deadline)) {
            return setState(lease, SubnetLeaseStatus.EXPIRED).rescheduleAfter(Duration.between(now, deadline));
        }
        try {
            // Only the version we judged: a renewal that lands first makes this a 409.
            context.getClient().resources(SubnetLease.class).withName(lease.getMetadata().getName())
                .lockResourceVersion(lease.getMetadata().getResourceVersion()).delete();
            LOG.infof("deleted SubnetLease %s: expired at %s", lease.getMetadata().getName(), expiresAt);
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409 && e.getCode() != 404) {
                throw e;
            }
        }
        return UpdateControl.noUpdate();
    }

    private UpdateControl<SubnetLease> setState(SubnetLease lease, String state) {
        SubnetLeaseStatus status = lease.getStatus() == null ? new SubnetLeaseStatus() : lease.getStatus();
        if (state.equals(status.getState())) {
            return UpdateControl.noUpdate();
        }
        status.setState(state);
        lease.setStatus(status);
        return UpdateControl.patchStatus(lease);
    }
}
