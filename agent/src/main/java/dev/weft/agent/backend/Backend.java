package dev.weft.agent.backend;

import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import java.util.Collection;

/**
 * One way of moving packets between hosts (udp, vxlan, host-gw). Knows nothing of the lease store:
 * the agent tells it what to publish, which lease it holds, and who its peers are.
 */
public interface Backend extends AutoCloseable {

    /** What this host publishes in its lease (backend type and data). */
    LeaseAttrs leaseAttrs(ExternalInterface external);

    /**
     * Brings up the data path for the lease this host holds; called again with the new lease when it
     * changes subnet (a re-acquire after the old one was lost). Returns the MTU pods should use.
     */
    int start(Lease ownLease) throws Exception;

    /** The current set of peers (every lease but our own); replaces the previous set. */
    void setPeers(Collection<Lease> peers);

    /** Stops forwarding and releases devices and sockets; the lease is kept. */
    @Override
    void close();
}
