package dev.weft.agent.lease;

import dev.weft.core.lease.AcquireRequest;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseLostException;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.OutOfSubnetsException;
import dev.weft.core.net.SubnetKey;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Keeps this host's lease and the set of its peers. Renews the lease {@code renewMargin} before it
 * expires; when the lease is lost (deleted, expired, taken), acquires again, asking for the same
 * subnet. Store outages are retried with backoff while forwarding goes on with the last known peers.
 * All lease work runs on one thread, so the lease changes hands in one place only.
 */
public final class LeaseKeeper implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(LeaseKeeper.class);
    static final Duration MIN_BACKOFF = Duration.ofMillis(500);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** What the keeper reports to the agent. */
    public interface Listener {
        /** Our lease changed subnet (or was first taken): the backend and subnet.env must follow. */
        void onOwnLease(Lease lease) throws Exception;

        /** The full set of peers changed. */
        void onPeers(Collection<Lease> peers);
    }

    private final LeaseStore store;
    private final Duration ttl;
    private final Duration renewMargin;
    private final Clock clock;
    private final Listener listener;
    private final LeaseMetrics metrics;
    private final ScheduledExecutorService worker =
        Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-lease");
            t.setDaemon(true);
            return t;
        });
    private final Map<SubnetKey, Lease> leases = new HashMap<>();
    private volatile LeaseAttrs attrs;
    private volatile Lease own;
    private AutoCloseable watch;
    private Duration backoff = MIN_BACKOFF;
    private boolean reacquiring;

    public LeaseKeeper(LeaseStore store, Duration ttl, Duration renewMargin, Clock clock, Listener listener,
                       LeaseMetrics metrics) {
        this.store = store;
        this.ttl = ttl;
        this.renewMargin = renewMargin;
        this.clock = clock;
        this.listener = listener;
        this.metrics = metrics;
    }

    public Lease own() {
        return own;
    }

    /**
     * Acquires the first lease (retrying store errors with backoff; out of subnets is retried too,
     * since leases expire and hosts leave), then starts watching peers and renewing.
     */
    public Lease start(LeaseAttrs attrs, SubnetKey previous) throws Exception {
        this.attrs = attrs;
        Lease lease = acquireWithRetry(previous);
        own = lease;
        listener.onOwnLease(lease);
        var snapshot = retry("list leases", store::list);
        synchronized (leases) {
            snapshot.leases().forEach(l -> leases.put(l.subnet(), l));
        }
        publishPeers();
        watch = store.watch(snapshot.revision(), new dev.weft.core.lease.LeaseListener() {
            @Override
            public void onEvents(List<LeaseEvent> events) {
                handle(events);
            }

            @Override
            public void onDisconnected(Exception cause) {
                metrics.storeError();
                LOG.warnf("lease watch disconnected (%s); forwarding goes on with the last known peers", cause.getMessage());
            }
        });
        scheduleRenewal(lease);
        return lease;
    }

    private void handle(List<LeaseEvent> events) {
        boolean ownRemoved = false;
        synchronized (leases) {
            for (LeaseEvent event : events) {
                SubnetKey key = event.lease().subnet();
                if (event.type() == LeaseEvent.Type.REMOVED) {
                    leases.remove(key);
                } else {
                    leases.put(key, event.lease());
                }
                Lease mine = own;
                if (mine != null && key.equals(mine.subnet())) {
                    if (event.type() == LeaseEvent.Type.REMOVED
                            || !event.lease().attrs().publicIp().equals(mine.attrs().publicIp())) {
                        ownRemoved = true;
                    }
                }
            }
        }
        publishPeers();
        if (ownRemoved) {
            LOG.warnf("our lease %s was removed from the store; acquiring again", own.subnet());
            worker.execute(this::reacquire);
        }
    }

    private void publishPeers() {
        List<Lease> peers = new ArrayList<>();
        Lease mine = own;
        synchronized (leases) {
            for (Lease lease : leases.values()) {
                if (mine == null || !lease.subnet().ipv4().overlaps(mine.subnet().ipv4())) {
                    peers.add(lease);
                }
            }
        }
        listener.onPeers(peers);
    }

    private void scheduleRenewal(Lease lease) {
        if (lease.isReservation()) {
            return;
        }
        Duration wait = Duration.between(clock.instant(), lease.expiration().minus(renewMargin));
        worker.schedule(() -> renew(lease), Math.max(0, wait.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void renew(Lease lease) {
        if (own != lease) {
            return; // superseded by a re-acquire
        }
        try {
            Lease renewed = store.renew(lease, attrs, ttl);
            own = renewed;
            metrics.renewed();
            backoff = MIN_BACKOFF;
            LOG.debugf("renewed lease %s until %s", renewed.subnet(), renewed.expiration());
            scheduleRenewal(renewed);
        } catch (LeaseLostException e) {
            LOG.warnf("lease %s lost (%s); acquiring again", lease.subnet(), e.getMessage());
            reacquire();
        } catch (RuntimeException e) {
            metrics.storeError();
            Duration wait = nextBackoff();
            LOG.warnf("renewing lease %s failed (%s); retrying in %d ms", lease.subnet(), e.getMessage(), wait.toMillis());
            worker.schedule(() -> renew(lease), wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void reacquire() {
        if (reacquiring) {
            return;
        }
        reacquiring = true;
        Lease previous = own;
        try {
            Lease lease = store.acquire(new AcquireRequest(attrs, previous == null ? null : previous.subnet(), ttl));
            metrics.acquired();
            backoff = MIN_BACKOFF;
            own = lease;
            synchronized (leases) {
                leases.put(lease.subnet(), lease);
            }
            if (previous == null || !previous.subnet().equals(lease.subnet())) {
                LOG.warnf("re-acquired a different subnet %s (was %s)", lease.subnet(), previous == null ? "none" : previous.subnet());
                listener.onOwnLease(lease);
                publishPeers();
            } else {
                LOG.infof("re-acquired lease %s", lease.subnet());
            }
            scheduleRenewal(lease);
            reacquiring = false;
        } catch (Exception e) {
            if (!(e instanceof OutOfSubnetsException)) {
                metrics.storeError();
            }
            reacquiring = false;
            Duration wait = nextBackoff();
            LOG.warnf("acquiring a lease failed (%s); retrying in %d ms", e.getMessage(), wait.toMillis());
            worker.schedule(this::reacquire, wait.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private Lease acquireWithRetry(SubnetKey previous) throws InterruptedException {
        Lease lease = retry("acquire a lease", () -> store.acquire(new AcquireRequest(attrs, previous, ttl)));
        metrics.acquired();
        LOG.infof("acquired lease %s (expires %s)", lease.subnet(), lease.isReservation() ? "never: a reservation" : lease.expiration());
        return lease;
    }

    private <T> T retry(String what, java.util.function.Supplier<T> action) throws InterruptedException {
        Duration wait = MIN_BACKOFF;
        while (true) {
            try {
                return action.get();
            } catch (RuntimeException e) {
                metrics.storeError();
                LOG.warnf("could not %s: %s; retrying in %d ms", what, e.getMessage(), wait.toMillis());
                Thread.sleep(wait.toMillis());
                wait = wait.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : wait.multipliedBy(2);
            }
        }
    }

    private Duration nextBackoff() {
        Duration current = backoff;
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        return current;
    }

    /** Stops renewing and watching; the lease stays in the store, so a restart reuses it. */
    @Override
    public void close() {
        worker.shutdownNow();
        if (watch != null) {
            try {
                watch.close();
            } catch (Exception e) {
                LOG.debugf(e, "closing the lease watch");
            }
        }
    }
}
