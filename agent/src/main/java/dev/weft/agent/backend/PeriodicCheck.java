package dev.weft.agent.backend;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A backend's periodic look at the kernel (a deleted device or route put back, failed peers
 * retried), on a daemon thread of its own so that a slow netlink call never delays lease work.
 */
public final class PeriodicCheck implements AutoCloseable {
    private final ScheduledExecutorService executor;

    private PeriodicCheck(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /** Runs {@code check} every {@code periodMs}, the first time one period from now. */
    public static PeriodicCheck start(String threadName, long periodMs, Runnable check) {
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        executor.scheduleWithFixedDelay(check, periodMs, periodMs, TimeUnit.MILLISECONDS);
        return new PeriodicCheck(executor);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
