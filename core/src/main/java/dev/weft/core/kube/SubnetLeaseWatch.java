package dev.weft.core.kube;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseListener;
import dev.weft.core.lease.LeaseSnapshot;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One watch on a network's SubnetLeases, turned into lease events. It remembers the last lease it
 * reported per object, so that a replayed ADDED (a watch from the start, or a server that replays)
 * is not reported twice and a status-only change is not reported at all. When the stream ends
 * (410 Gone after a compaction, or any other close), it lists again, reports the difference and
 * watches on from the list's revision.
 */
final class SubnetLeaseWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SubnetLeaseWatch.class.getName());
    private static final long MAX_BACKOFF_MS = 30_000;

    private final KubernetesSubnetRegistry registry;
    private final LeaseListener listener;
    private final Map<String, Lease> known;
    private final Consumer<SubnetLeaseWatch> onClose;
    private final ScheduledExecutorService relister;
    private long revision;
    private Watch current;
    private boolean closed;
    private long backoffMs = 200;

    SubnetLeaseWatch(KubernetesSubnetRegistry registry, LeaseListener listener, Map<String, Lease> known,
                     long afterRevision, Consumer<SubnetLeaseWatch> onClose) {
        this.registry = registry;
        this.listener = listener;
        this.known = new HashMap<>(known);
        this.revision = afterRevision;
        this.onClose = onClose;
        this.relister = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-subnetlease-watch-" + registry.network());
            t.setDaemon(true);
            return t;
        });
    }

    synchronized void start() {
        var options = new ListOptionsBuilder().withAllowWatchBookmarks(false);
        if (revision > 0) {
            options.withResourceVersion(Long.toString(revision));
        }
        current = registry.leases().withLabel(ApiGroup.NETWORK_LABEL, registry.network())
            .watch(options.build(), new Watcher<>() {
                @Override
                public void eventReceived(Action action, SubnetLease resource) {
                    onEvent(action, resource);
                }

                @Override
                public void onClose(WatcherException cause) {
                    onStreamClosed(cause);
                }
            });
    }

    private synchronized void onEvent(Watcher.Action action, SubnetLease resource) {
        if (closed) {
            return;
        }
        List<LeaseEvent> events = new ArrayList<>(1);
        String name = resource.getMetadata().getName();
        switch (action) {
            case ADDED, MODIFIED -> {
                Optional<Lease> lease = registry.wellFormed(resource);
                if (lease.isPresent()) {
                    report(name, lease.get(), events);
                } else {
                    Lease gone = known.remove(name);
                    if (gone != null) {
                        events.add(LeaseEvent.removed(gone));
                    }
                }
            }
            case DELETED -> {
                Lease gone = known.remove(name);
                if (gone != null) {
                    events.add(LeaseEvent.removed(gone));
                }
            }
            default -> {
                // BOOKMARK and ERROR carry no lease
            }
        }
        String version = resource.getMetadata().getResourceVersion();
        if (version != null) {
            revision = Math.max(revision, KubernetesSubnetRegistry.parseRevision(version));
        }
        deliver(events);
    }

    private void report(String name, Lease lease, List<LeaseEvent> events) {
        Lease before = known.put(name, lease);
        if (before == null) {
            events.add(LeaseEvent.added(lease));
        } else if (!SubnetLeaseMapping.sameContent(before, lease)) {
            events.add(LeaseEvent.changed(lease));
        }
    }

    /** Stops the stream as a dropped connection would, without listing again (tests drive {@link #onStreamClosed}). */
    synchronized void pauseStream() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    synchronized void onStreamClosed(WatcherException cause) {
        if (closed) {
            return;
        }
        if (cause == null) {
            return; // closed by us
        }
        LOG.log(Level.INFO, "SubnetLease watch of {0} closed ({1}); listing again", registry.network(),
            cause.isHttpGone() ? "410 Gone" : cause.getMessage());
        listener.onDisconnected(cause);
        relister.schedule(this::relist, cause.isHttpGone() ? 0 : backoffMs, TimeUnit.MILLISECONDS);
    }

    /** Lists, reports what changed since the last event seen, and watches on from the list's revision. */
    private void relist() {
        try {
            LeaseSnapshot snapshot = registry.list();
            synchronized (this) {
                if (closed) {
                    return;
                }
                Map<String, Lease> now = new HashMap<>();
                for (Lease lease : snapshot.leases()) {
                    now.put(SubnetLease.nameFor(registry.network(), lease.subnet().ipv4()), lease);
                }
                List<LeaseEvent> events = new ArrayList<>();
                for (var gone : new ArrayList<>(known.entrySet())) {
                    if (!now.containsKey(gone.getKey())) {
                        known.remove(gone.getKey());
                        events.add(LeaseEvent.removed(gone.getValue()));
                    }
                }
                now.forEach((name, lease) -> report(name, lease, events));
                revision = snapshot.revision();
                deliver(events);
                backoffMs = 200;
                start();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "listing SubnetLeases of {0} failed, retrying in {1} ms: {2}",
                registry.network(), backoffMs, e.getMessage());
            synchronized (this) {
                if (!closed) {
                    relister.schedule(this::relist, backoffMs, TimeUnit.MILLISECONDS);
                    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
                }
            }
        }
    }

    private void deliver(List<LeaseEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        try {
            listener.onEvents(List.copyOf(events));
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "lease listener failed on " + events, e);
        }
    }

    @Override
    public void close() {
        Watch toClose;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = current;
        }
        if (toClose != null) {
            toClose.close();
        }
        relister.shutdownNow();
        onClose.accept(this);
    }
}
