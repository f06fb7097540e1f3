package dev.weft.operator;

import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseStatus;
import dev.weft.core.kube.LeaseExpiry;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Clock;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs {@link LeaseExpiry} on every SubnetLease: Active until expiresAt, then Expired, then deleted
 * after the grace period (its holder may still renew it meanwhile). Reservations stay Active forever.
 * The status is the operator's alone: the agents write only the spec, so that a lease's version
 * (uid and generation) moves only when its holder changes it.
 */
@ControllerConfiguration(name = "subnetlease")
public class SubnetLeaseReconciler implements Reconciler<SubnetLease> {
    private static final Logger LOG = Logger.getLogger(SubnetLeaseReconciler.class);

    private final Clock clock = Clock.systemUTC();

    @ConfigProperty(name = "weft.lease.expiry-grace", defaultValue = "5m")
    Duration grace;

    @Override
    public UpdateControl<SubnetLease> reconcile(SubnetLease lease, Context<SubnetLease> context) {
        LeaseExpiry.Decision decision = LeaseExpiry.decide(lease, clock.instant(), grace);
        if (decision.delete()) {
            if (LeaseExpiry.delete(context.getClient(), lease)) {
                LOG.infof("deleted SubnetLease %s: expired at %s", lease.getMetadata().getName(), lease.getSpec().getExpiresAt());
            }
            return UpdateControl.noUpdate();
        }
        UpdateControl<SubnetLease> control = UpdateControl.noUpdate();
        SubnetLeaseStatus status = lease.getStatus() == null ? new SubnetLeaseStatus() : lease.getStatus();
        Long generation = lease.getMetadata().getGeneration();
        boolean changed = false;
        if (decision.state() != null && !decision.state().equals(status.getState())) {
            status.setState(decision.state());
            changed = true;
        }
        if (decision.state() != null && generation != null && !generation.equals(status.getObservedGeneration())) {
            // A new generation is a creation or a renewal: each one rewrites the spec.
            status.setRenewedAt(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
            status.setObservedGeneration(generation);
            changed = true;
        }
        if (changed) {
            lease.setStatus(status);
            control = UpdateControl.patchStatus(lease);
        }
        return decision.lookAgain() == null ? control : control.rescheduleAfter(decision.lookAgain());
    }
}
