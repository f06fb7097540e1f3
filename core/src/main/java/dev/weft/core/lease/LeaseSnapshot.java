package dev.weft.core.lease;

import java.util.List;

/** Every well-formed lease at one store revision; a watch from {@code revision} continues it. */
public record LeaseSnapshot(List<Lease> leases, long revision) {
    public LeaseSnapshot {
        leases = List.copyOf(leases);
    }
}
