package dev.weft.agent.offload;

import java.lang.management.ManagementFactory;

/** Measures heap allocation by the current thread (HotSpot's ThreadMXBean extension). */
final class Allocation {
    /** Where the self-check puts its arrays, so escape analysis cannot remove them. */
    static volatile Object sink;

    private Allocation() {
    }

    /** Proves the measurement works here: a thousand 1 KiB arrays must show. */
    static void requireMeasurable() {
        long seen = bytesAllocatedBy(() -> sink = new byte[1024], 1000);
        if (seen < 1000 * 1024) {
            throw new AssertionError("thread allocation accounting saw only " + seen + " bytes for 1 MiB allocated");
        }
    }

    /** Bytes the current thread allocated running {@code action} {@code times} times, after as many warm-up runs. */
    static long bytesAllocatedBy(Runnable action, int times) {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < times; i++) {
            action.run();
        }
        long before = threads.getThreadAllocatedBytes(id);
        for (int i = 0; i < times; i++) {
            action.run();
        }
        return threads.getThreadAllocatedBytes(id) - before;
    }
}
