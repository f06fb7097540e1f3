package dev.weft.core.lease;

import dev.weft.core.net.SubnetKey;
import java.time.Instant;

/**
 * One host's claim on one subnet, as a store holds it.
 *
 * @param subnet     the subnet (and IPv6 subnet, dual-stack), which is also the lease's identity
 * @param attrs      what the holder publishes
 * @param expiration when the lease lapses unless renewed; null for a reservation, which never does
 * @param version    the store's version of this lease (etcd mod revision, Kubernetes resourceVersion);
 *                   renew and release succeed only while the stored lease still has it
 */
public record Lease(SubnetKey subnet, LeaseAttrs attrs, Instant expiration, String version) {

    public boolean isReservation() {
        return expiration == null;
    }

    /** Lapsed by {@code now}; a reservation never is. */
    public boolean isExpired(Instant now) {
        return expiration != null && !expiration.isAfter(now);
    }
}
