package dev.weft.agent.udp;

import java.util.concurrent.atomic.LongAdder;

/** Counters of the UDP data path, cheap enough to bump per packet; exported as metrics. */
public final class DataPathStats {
    private final LongAdder txPackets = new LongAdder();
    private final LongAdder txBytes = new LongAdder();
    private final LongAdder rxPackets = new LongAdder();
    private final LongAdder rxBytes = new LongAdder();
    private final LongAdder[] drops = new LongAdder[DropReason.values().length];

    public DataPathStats() {
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
        }
    }

    void sent(int bytes) {
        txPackets.increment();
        txBytes.add(bytes);
    }

    void received(int bytes) {
        rxPackets.increment();
        rxBytes.add(bytes);
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
}
