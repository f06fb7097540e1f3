package dev.weft.agent.os;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps a descriptor from being closed (and its number reused) while calls on it are in flight,
 * without allocating: a read-write lock would, since it records every reader in a thread-local
 * once two threads hold it at the same time, which the data path does on every packet.
 */
final class CallsInFlight {
    private final AtomicInteger calls = new AtomicInteger();
    private volatile boolean closed;

    /** Registers a call; false (and nothing registered) once closing has begun. */
    boolean enter() {
        calls.incrementAndGet();
        if (closed) {
            calls.decrementAndGet();
            return false;
        }
        return true;
    }

    void exit() {
        calls.decrementAndGet();
    }

    boolean isClosed() {
        return closed;
    }

    /**
     * Refuses new calls and waits for those in flight to leave (none blocks), after which the owner
     * may close its descriptor.
     */
    void closeAndAwait() {
        closed = true;
        while (calls.get() > 0) {
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
