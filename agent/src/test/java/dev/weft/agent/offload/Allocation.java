package dev.weft.agent.offload;

import java.lang.management.ManagementFactory;

/** Measures heap allocation by the current thread (HotSpot's ThreadMXBean extension). */
final class Allocation {
    private Allocation() {
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
