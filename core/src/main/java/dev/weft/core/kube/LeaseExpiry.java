package dev.weft.core.kube;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.net.HttpURLConnection;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Expiry of the Kubernetes store's leases, which no TTL removes by itself: a lease past
 * {@code expiresAt} is Expired; once {@code grace} has passed too, it is deleted, conditionally on
 * the version that was judged, so that a renewal landing first wins. Reservations (no expiresAt)
 * and mirrors of etcd leases (etcd's TTL rules those) are never touched. The operator runs this
 * for every SubnetLease.
 */
public final class LeaseExpiry {

    /**
     * What to do with one lease now.
     *
     * @param state     the status state the lease should show, or null to leave it alone
     * @param delete    whether to delete it now
     * @param lookAgain when to look at it again, or null for never (until it changes)
     */
    public record Decision(String state, boolean delete, Duration lookAgain) {
    }

    private LeaseExpiry() {
    }

    public static Decision decide(SubnetLease lease, Instant now, Duration grace) {
        boolean mirror = lease.getMetadata().getLabels() != null && lease.getMetadata().getLabels().containsKey(ApiGroup.MIRROR_LABEL);
        if (mirror || lease.getSpec() == null) {
            return new Decision(null, false, null);
        }
        String expiresAt = lease.getSpec().getExpiresAt();
        if (expiresAt == null) {
            return new Decision(SubnetLeaseStatus.ACTIVE, false, null);
        }
        Instant expiry;
        try {
            expiry = Instant.parse(expiresAt);
        } catch (DateTimeParseException e) {
            return new Decision(null, false, null); // malformed: the stores skip it, and so do we
        }
        if (now.isBefore(expiry)) {
            return new Decision(SubnetLeaseStatus.ACTIVE, false, Duration.between(now, expiry));
        }
        Instant deadline = expiry.plus(grace);
        if (now.isBefore(deadline)) {
            return new Decision(SubnetLeaseStatus.EXPIRED, false, Duration.between(now, deadline));
        }
        return new Decision(SubnetLeaseStatus.EXPIRED, true, null);
    }

    /** Deletes {@code lease} if it still has the version judged; false when it changed or is gone. */
    public static boolean delete(KubernetesClient client, SubnetLease lease) {
        try {
            client.resources(SubnetLease.class).withName(lease.getMetadata().getName())
                .lockResourceVersion(lease.getMetadata().getResourceVersion()).delete();
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == HttpURLConnection.HTTP_CONFLICT || e.getCode() == HttpURLConnection.HTTP_NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }
}
