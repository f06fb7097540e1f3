package dev.weft.core.etcd;

import static dev.weft.core.etcd.EtcdKeys.text;

import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseEvent;
import dev.weft.core.lease.LeaseListener;
import dev.weft.core.net.SubnetKey;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One watch on {@code <prefix>/subnets/}, run on its own thread so that the listener sees every
 * change once, in revision order. It remembers the leases the listener has seen; after a
 * compaction or a broken stream it lists again and reports only the difference, then resumes
 * right after the list's revision. jetcd's own resume is not used: it cannot report what a
 * compaction hid.
 */
final class EtcdLeaseWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EtcdLeaseWatch.class.getName());
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    /**
     * How long a stream may stay silent before we ask etcd for a progress report, and how long that
     * report may take. jetcd does not notice a stream whose server went away, so silence itself is checked.
     */
    static final Duration DEFAULT_LIVENESS = Duration.ofSeconds(5);

    /** What the jetcd stream reports, handed from its thread to ours. */
    private sealed interface Signal permits Batch, Failure, Ended {
    }

    private record Batch(WatchResponse response) implements Signal {
    }

    private record Failure(Throwable error) implements Signal {
    }

    private record Ended() implements Signal {
    }

    private final EtcdSubnetRegistry registry;
    private final Client client;
    private final ByteSequence subnetsPrefix;
    private final long afterRevision;
    private final LeaseListener listener;
    private final Consumer<EtcdLeaseWatch> onClose;
    private final Duration liveness;
    private final Thread thread;
    /** The leases as the listener has been told of them. */
    private final Map<SubnetKey, Lease> seen = new HashMap<>();
    private volatile boolean closed;
    private volatile Watch.Watcher watcher;
    /** Watch-thread state: whether the stream is up, and how long to wait before the next reconnect. */
    private boolean connected = true;
    private Duration backoff = FIRST_BACKOFF;

    EtcdLeaseWatch(EtcdSubnetRegistry registry, Client client, ByteSequence subnetsPrefix, long afterRevision,
                   LeaseListener listener, Duration liveness, Consumer<EtcdLeaseWatch> onClose) {
        this.registry = registry;
        this.client = client;
        this.subnetsPrefix = subnetsPrefix;
        this.afterRevision = afterRevision;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.onClose = onClose;
        this.liveness = liveness;
        this.thread = new Thread(this::run, "weft-etcd-watch " + text(subnetsPrefix));
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    private void run() {
        // With no revision, the listener has seen nothing: the first list is reported as additions.
        boolean mustLearn = afterRevision > 0;
        boolean mustRelist = afterRevision <= 0;
        long next = afterRevision + 1;
        while (!closed) {
            try {
                if (mustLearn) {
                    mustRelist = !learnWhatListenerSaw();
                    mustLearn = false;
                }
                if (mustRelist) {
                    next = relist() + 1;
                    mustRelist = false;
                }
                next = follow(next);
                mustRelist = true; // follow returns only after a compaction
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                if (closed) {
                    break;
                }
                mustRelist = true;
                if (connected) {
                    connected = false;
                    LOG.log(Level.WARNING, "watch on {0} lost its stream, reconnecting: {1}",
                        text(subnetsPrefix), e.getMessage());
                    try {
                        listener.onDisconnected(e);
                    } catch (RuntimeException listenerError) {
                        LOG.log(Level.WARNING, "lease listener failed on a disconnect", listenerError);
                    }
                }
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException interrupted) {
                    break;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        stopWatcher();
    }

    /** The stream is up again: the next outage starts over with the shortest wait. */
    private void streaming(long from) {
        backoff = FIRST_BACKOFF;
        if (!connected) {
            connected = true;
            LOG.log(Level.INFO, "watch on {0} is back, from revision {1}", text(subnetsPrefix), from);
        }
    }

    /**
     * Reads the leases at {@code afterRevision}, which the listener already knows; false if that
     * revision is compacted away. Other failures are thrown, to be retried.
     */
    private boolean learnWhatListenerSaw() {
        try {
            for (Lease lease : registry.listAt(afterRevision).leases()) {
                seen.put(lease.subnet(), lease);
            }
            return true;
        } catch (RuntimeException e) {
            if (!isCompaction(e)) {
                throw e;
            }
            LOG.log(Level.WARNING, "revision {0} of {1} is compacted, so what the listener knows is unknown:"
                + " every current lease will be reported as added", afterRevision, text(subnetsPrefix));
            return false;
        }
    }

    private static boolean isCompaction(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause()) {
            if (e instanceof CompactedException
                    || (e.getMessage() != null && e.getMessage().contains("required revision has been compacted"))) {
                return true;
            }
        }
        return false;
    }

    /** Lists, reports the difference to what the listener saw, and returns the list's revision. */
    private long relist() {
        var snapshot = registry.list();
        Map<SubnetKey, Lease> now = new LinkedHashMap<>();
        for (Lease lease : snapshot.leases()) {
            now.put(lease.subnet(), lease);
        }
        List<LeaseEvent> events = new ArrayList<>();
        for (Lease old : List.copyOf(seen.values())) {
            if (!now.containsKey(old.subnet())) {
                seen.remove(old.subnet());
                events.add(LeaseEvent.removed(old));
            }
        }
        for (Lease lease : now.values()) {
            Lease old = seen.put(lease.subnet(), lease);
            if (old == null) {
                events.add(LeaseEvent.added(lease));
            } else if (!old.version().equals(lease.version())) {
                events.add(LeaseEvent.changed(lease));
            }
        }
        deliver(events);
        return snapshot.revision();
    }

    /**
     * Streams changes from revision {@code from} until a compaction, returning the revision to resume
     * at; a broken stream is thrown.
     */
    private long follow(long from) throws InterruptedException {
        BlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
        WatchOption option = WatchOption.builder()
            .isPrefix(true)
            .withRevision(from)
            .withPrevKV(true)
            .withRequireLeader(true)
            .withCreateNotify(true)
            .build();
        watcher = client.getWatchClient().watch(subnetsPrefix, option, new Watch.Listener() {
            @Override
            public void onNext(WatchResponse response) {
                signals.add(new Batch(response));
            }

            @Override
            public void onError(Throwable error) {
                signals.add(new Failure(error));
            }

            @Override
            public void onCompleted() {
                signals.add(new Ended());
            }
        });
        if (closed) {
            stopWatcher();
            throw new InterruptedException();
        }
        long next = from;
        boolean probing = false;
        try {
            while (true) {
                Signal signal = signals.poll(liveness.toMillis(), TimeUnit.MILLISECONDS);
                if (signal == null) {
                    if (probing) {
                        throw new IllegalStateException("etcd watch stream went silent: no answer to a progress"
                            + " request within " + liveness.toMillis() + " ms");
                    }
                    Watch.Watcher current = watcher;
                    if (current != null) {
                        current.requestProgress();
                    }
                    probing = true;
                    continue;
                }
                probing = false;
                if (signal instanceof Batch batch) {
                    if (batch.response().isCreatedNotify()) {
                        streaming(next);
                        continue;
                    }
                    if (batch.response().isProgressNotify()) {
                        continue;
                    }
                    next = apply(batch.response(), next);
                } else if (signal instanceof Failure failure) {
                    if (failure.error() instanceof CompactedException) {
                        LOG.log(Level.INFO, "watch on {0}: revision {1} was compacted; listing again",
                            text(subnetsPrefix), next);
                        return next;
                    }
                    throw new IllegalStateException("etcd watch failed: " + failure.error().getMessage(), failure.error());
                } else {
                    throw new IllegalStateException("etcd closed the watch stream");
                }
            }
        } finally {
            stopWatcher();
        }
    }

    /**
     * Reports one response's changes; returns the revision after its last event. When reading a lease
     * fails midway, what was read is still reported, so that {@link #seen} stays what the listener saw.
     */
    private long apply(WatchResponse response, long next) {
        List<LeaseEvent> events = new ArrayList<>();
        try {
            next = apply(response, next, events);
        } finally {
            deliver(events);
        }
        return next;
    }

    private long apply(WatchResponse response, long next, List<LeaseEvent> events) {
        for (WatchEvent event : response.getEvents()) {
            KeyValue kv = event.getKeyValue();
            next = Math.max(next, kv.getModRevision() + 1);
            var subnet = registry.subnetOf(text(kv.getKey()));
            if (subnet.isEmpty()) {
                continue;
            }
            switch (event.getEventType()) {
                case PUT -> registry.readLease(kv).ifPresent(lease -> {
                    Lease old = seen.put(lease.subnet(), lease);
                    events.add(old == null ? LeaseEvent.added(lease) : LeaseEvent.changed(lease));
                });
                case DELETE -> {
                    Lease old = seen.remove(subnet.get());
                    if (old != null) {
                        events.add(LeaseEvent.removed(old));
                    }
                }
                default -> LOG.log(Level.DEBUG, "ignoring watch event {0} on {1}", event.getEventType(),
                    text(kv.getKey()));
            }
        }
        return next;
    }

    private void deliver(List<LeaseEvent> events) {
        if (events.isEmpty() || closed) {
            return;
        }
        try {
            listener.onEvents(List.copyOf(events));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "lease listener failed on " + events.size() + " events", e);
        }
    }

    private void stopWatcher() {
        Watch.Watcher current = watcher;
        watcher = null;
        if (current != null) {
            try {
                current.close();
            } catch (RuntimeException e) {
                LOG.log(Level.DEBUG, "closing an etcd watcher failed: {0}", e.getMessage());
            }
        }
    }

    /** Stops the watch; no event is delivered after this returns (unless called from the listener itself). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopWatcher();
        thread.interrupt();
        if (Thread.currentThread() != thread) {
            try {
                thread.join(Duration.ofSeconds(10).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        onClose.accept(this);
    }
}
