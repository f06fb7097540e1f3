package dev.weft.core.lease;

import java.util.List;

/** Receives lease changes in store order. Called from the store's own thread; must not block for long. */
@FunctionalInterface
public interface LeaseListener {
    /** One batch of changes, oldest first; never empty. */
    void onEvents(List<LeaseEvent> events);

    /** The watch lost its stream and is reconnecting; events resume without loss or duplicates. */
    default void onDisconnected(Exception cause) {
    }
}
