package dev.weft.core.lease;

import dev.weft.core.config.NetworkConfig;
import dev.weft.core.net.SubnetKey;
import java.time.Duration;
import java.util.Optional;

/**
 * The raw, atomic operations of one lease store (Flannel's "registry"). The allocation policy on
 * top of them, shared by every store, is {@link RegistryLeaseStore}.
 */
public interface SubnetRegistry extends AutoCloseable {

    NetworkConfig getNetworkConfig();

    LeaseSnapshot list();

    /** Creates the lease only if no lease holds {@code subnet}; empty when one does (a lost race). */
    Optional<Lease> create(SubnetKey subnet, LeaseAttrs attrs, Duration ttl);

    /**
     * Rewrites {@code current} with new attrs and a fresh TTL, only while its version is unchanged;
     * a null ttl keeps it a reservation. Throws {@link LeaseLostException} otherwise.
     */
    Lease update(Lease current, LeaseAttrs attrs, Duration ttl);

    /** Deletes {@code lease} only while its version is unchanged; false when it was already gone or changed. */
    boolean delete(Lease lease);

    AutoCloseable watch(long afterRevision, LeaseListener listener);

    @Override
    void close();
}
