package dev.weft.agent.lease;

import java.util.concurrent.atomic.LongAdder;

/** Counts of lease work, exported as metrics. */
public final class LeaseMetrics {
    private final LongAdder acquisitions = new LongAdder();
    private final LongAdder renewals = new LongAdder();
    private final LongAdder storeErrors = new LongAdder();

    void acquired() {
        acquisitions.increment();
    }

    void renewed() {
        renewals.increment();
    }

    void storeError() {
        storeErrors.increment();
    }

    public long acquisitions() {
        return acquisitions.sum();
    }

    public long renewals() {
        return renewals.sum();
    }

    public long storeErrors() {
        return storeErrors.sum();
    }
}
