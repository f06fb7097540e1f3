package dev.weft.agent.backend;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What to undo and what to program to get from the peers a backend has programmed to the peers it
 * should have, both keyed by subnet. A peer whose programming changed (new public IP, new MAC) is
 * in both lists: its old form removed, its new one added. Pure.
 */
public record PeerChanges<T>(List<T> removed, List<T> added) {

    public static <K, T> PeerChanges<T> between(Map<K, T> programmed, Map<K, T> desired) {
        List<T> removed = new ArrayList<>();
        List<T> added = new ArrayList<>();
        programmed.forEach((key, old) -> {
            if (!Objects.equals(desired.get(key), old)) {
                removed.add(old);
            }
        });
        desired.forEach((key, wanted) -> {
            if (!Objects.equals(programmed.get(key), wanted)) {
                added.add(wanted);
            }
        });
        return new PeerChanges<>(List.copyOf(removed), List.copyOf(added));
    }

    public boolean isEmpty() {
        return removed.isEmpty() && added.isEmpty();
    }
}
