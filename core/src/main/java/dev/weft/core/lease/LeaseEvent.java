package dev.weft.core.lease;

/** A change to the set of leases, as a watch reports it. */
public record LeaseEvent(Type type, Lease lease) {

    public enum Type {
        /** A subnet that was not leased is now. */
        ADDED,
        /** A leased subnet changed its attributes or expiration (a renewal is one). */
        CHANGED,
        /** A lease was deleted or expired; {@code lease} is the last one seen, with its attributes. */
        REMOVED
    }

    public static LeaseEvent added(Lease lease) {
        return new LeaseEvent(Type.ADDED, lease);
    }

    public static LeaseEvent changed(Lease lease) {
        return new LeaseEvent(Type.CHANGED, lease);
    }

    public static LeaseEvent removed(Lease lease) {
        return new LeaseEvent(Type.REMOVED, lease);
    }
}
