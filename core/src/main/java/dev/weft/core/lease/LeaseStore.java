package dev.weft.core.lease;

import dev.weft.core.config.NetworkConfig;
import java.time.Duration;

/**
 * Where leases live (etcd in Flannel's layout, or SubnetLease objects in Kubernetes). The only
 * thing the agent knows of a store. Every method may throw {@link LeaseStoreException}.
 */
public interface LeaseStore extends AutoCloseable {

    /** The network config, validated. Throws {@link ConfigNotFoundException} when there is none yet. */
    NetworkConfig getNetworkConfig();

    /**
     * Takes a lease for the requesting host: its live lease (or reservation) if it has one, else
     * its previous subnet if free, else a random free one. Never overwrites another host's lease.
     * Throws {@link OutOfSubnetsException} when the range is full.
     */
    Lease acquire(AcquireRequest request);

    /**
     * Extends {@code lease} by {@code ttl} with {@code attrs}, only while the stored lease is still
     * the one given (same version). Throws {@link LeaseLostException} when it is gone or changed.
     * A reservation is returned as it is.
     */
    Lease renew(Lease lease, LeaseAttrs attrs, Duration ttl);

    /** Deletes {@code lease} if it is still the one given; does nothing if it is already gone. */
    void release(Lease lease);

    /** Every well-formed lease, with the revision a watch can continue from. */
    LeaseSnapshot list();

    /**
     * Reports every change after {@code afterRevision} to {@code listener}, in order, until the
     * returned handle is closed. Reconnects by itself; after a compaction or a broken stream it
     * lists again and reports only the difference. Malformed entries are logged and skipped.
     */
    AutoCloseable watch(long afterRevision, LeaseListener listener);

    @Override
    void close();
}
