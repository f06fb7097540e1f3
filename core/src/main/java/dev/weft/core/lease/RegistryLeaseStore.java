package dev.weft.core.lease;

import dev.weft.core.config.NetworkConfig;
import dev.weft.core.net.SubnetKey;
import java.lang.System.Logger.Level;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The lease policy shared by every store (design.md "Lease semantics"), over one store's atomic
 * {@link SubnetRegistry} operations:
 * <ol>
 *   <li>a live lease or reservation that already carries our PublicIP is kept (renewed), or deleted
 *       when it no longer fits the config (a reservation is never deleted);</li>
 *   <li>else the previous subnet, if it is free and fits;</li>
 *   <li>else a random free subnet among the first {@value SubnetAllocator#CANDIDATES} in range.</li>
 * </ol>
 * Every take is an atomic create; a lost race is retried with a fresh view, up to
 * {@value #MAX_ATTEMPTS} times (where Flannel exits). Another host's lease is never overwritten;
 * one that has expired but is still stored is removed only by a conditional delete.
 */
public final class RegistryLeaseStore implements LeaseStore {
    static final int MAX_ATTEMPTS = 32;
    private static final System.Logger LOG = System.getLogger(RegistryLeaseStore.class.getName());

    private final SubnetRegistry registry;
    private final Clock clock;
    private final Random random;

    public RegistryLeaseStore(SubnetRegistry registry) {
        this(registry, Clock.systemUTC(), new SecureRandom());
    }

    public RegistryLeaseStore(SubnetRegistry registry, Clock clock, Random random) {
        this.registry = registry;
        this.clock = clock;
        this.random = random;
    }

    @Override
    public NetworkConfig getNetworkConfig() {
        return registry.getNetworkConfig();
    }

    @Override
    public Lease acquire(AcquireRequest request) {
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            NetworkConfig config = registry.getNetworkConfig();
            if (!config.enableIpv4()) {
                throw new LeaseStoreException("IPv6-only networks are not supported by this store: "
                    + "Flannel's subnet keys need an IPv4 part (EnableIPv4 is false)");
            }
            List<Lease> leases = registry.list().leases();
            Optional<Lease> taken = tryOnce(config, leases, request);
            if (taken.isPresent()) {
                return taken.get();
            }
            LOG.log(Level.DEBUG, "lost a race for a subnet (attempt {0}), retrying", attempt);
        }
        throw new LeaseStoreException("could not acquire a lease for " + request.attrs().publicIp().getHostAddress()
            + ": lost the race for a subnet " + MAX_ATTEMPTS + " times in a row");
    }

    /** One pass over a fresh list; empty means a race was lost and the caller should look again. */
    private Optional<Lease> tryOnce(NetworkConfig config, List<Lease> leases, AcquireRequest request) {
        var now = clock.instant();
        List<Lease> live = new ArrayList<>();
        for (Lease lease : leases) {
            if (!lease.isExpired(now)) {
                live.add(lease);
            }
        }
        for (Lease own : live) {
            if (!own.attrs().publicIp().equals(request.attrs().publicIp())) {
                continue;
            }
            if (SubnetAllocator.isCompatible(config, own.subnet())) {
                if (own.isReservation()) {
                    return Optional.of(own);
                }
                try {
                    return Optional.of(registry.update(own, request.attrs(), request.ttl()));
                } catch (LeaseLostException e) {
                    return Optional.empty();
                }
            }
            if (own.isReservation()) {
                LOG.log(Level.WARNING, "reservation {0} for {1} does not fit the network config; leaving it alone",
                    own.subnet(), own.attrs().publicIp().getHostAddress());
            } else {
                LOG.log(Level.INFO, "deleting our lease {0}: it no longer fits the network config", own.subnet());
                registry.delete(own);
            }
        }
        List<SubnetKey> takenKeys = live.stream().map(Lease::subnet).toList();
        SubnetKey previous = request.previousSubnet();
        if (previous != null && SubnetAllocator.isCompatible(config, previous)
                && SubnetAllocator.isFree(previous, takenKeys)) {
            Optional<Lease> created = take(previous, leases, request);
            if (created.isPresent()) {
                return created;
            }
        }
        SubnetKey candidate = SubnetAllocator.pickFree(config, takenKeys, random)
            .orElseThrow(() -> new OutOfSubnetsException("out of subnets: every subnet in "
                + SubnetAllocator.describeRange(config) + " is leased"));
        return take(candidate, leases, request);
    }

    /** Creates the lease, first removing an expired lease still stored under that subnet. */
    private Optional<Lease> take(SubnetKey subnet, List<Lease> leases, AcquireRequest request) {
        for (Lease stale : leases) {
            if (stale.subnet().equals(subnet) && stale.isExpired(clock.instant())) {
                registry.delete(stale);
            }
        }
        return registry.create(subnet, request.attrs(), request.ttl());
    }

    @Override
    public Lease renew(Lease lease, LeaseAttrs attrs, Duration ttl) {
        if (lease.isReservation()) {
            return lease;
        }
        return registry.update(lease, attrs, ttl);
    }

    @Override
    public void release(Lease lease) {
        registry.delete(lease);
    }

    @Override
    public LeaseSnapshot list() {
        return registry.list();
    }

    @Override
    public AutoCloseable watch(long afterRevision, LeaseListener listener) {
        return registry.watch(afterRevision, listener);
    }

    @Override
    public void close() {
        registry.close();
    }
}
