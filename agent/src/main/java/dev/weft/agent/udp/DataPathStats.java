package dev.weft.agent.udp;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the UDP data path, cheap enough to bump per packet; exported as metrics. */
public final class DataPathStats {
    private final LongAdder txPackets = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder rxPackets = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder[] drops = new LongAdder[DropReason.values().length];
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    public DataPathStats() {
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
        }
    }

    void sent(int packets, int bytes) {
        txPackets.add(packets);
        txBytes.add(bytes);
    }

    void received(int bytes) {
        rxPackets.increment();
        rxBytes.add(bytes);
    }

    /** A thread that moves packets; its allocations are reported by {@link #dataPathAllocatedBytes()}. */
    void dataPathThread(Thread thread) {
        threads.add(thread);
    }

    void dropped(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    /** Packets from TUN sent to peers. */
    public long txPackets() {
        return txPackets.sum();
    }

    public long txBytes() {
        return txBytes.sum();
    }

    /** Packets from peers written to TUN. */
    public long rxPackets() {
        return rxPackets.sum();
    }

    public long rxBytes() {
        return rxBytes.sum();
    }

    public long drops(DropReason reason) {
        return drops[reason.ordinal()].sum();
    }

    /**
     * Bytes of heap the data path threads have allocated since they started, as the JVM counts them:
     * the evidence that moving packets allocates nothing (it stays flat under load).
     */
    public long dataPathAllocatedBytes() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean bean)) {
            return -1;
        }
        long total = 0;
        for (Thread thread : threads) {
            long bytes = bean.getThreadAllocatedBytes(thread.getId());
            if (bytes > 0) {
                total += bytes;
            }
        }
        return total;
    }
}
