package dev.weft.agent.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PeerChangesTest {

    private static Map<String, String> peers(String... keyValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            map.put(keyValues[i], keyValues[i + 1]);
        }
        return map;
    }

    @Test
    void newPeersAreAddedAndVanishedOnesRemoved() {
        PeerChanges<String> changes = PeerChanges.between(peers("a", "a@1", "b", "b@2"), peers("b", "b@2", "c", "c@3"));

        assertEquals(List.of("a@1"), changes.removed());
        assertEquals(List.of("c@3"), changes.added());
    }

    @Test
    void aPeerThatChangedIsRemovedInItsOldFormAndAddedInItsNew() {
        PeerChanges<String> changes = PeerChanges.between(peers("a", "a@1"), peers("a", "a@9"));

        assertEquals(List.of("a@1"), changes.removed());
        assertEquals(List.of("a@9"), changes.added());
    }

    @Test
    void theSameSetIsNoChangeAndEverythingIsNewAtFirst() {
        assertTrue(PeerChanges.between(peers("a", "a@1"), peers("a", "a@1")).isEmpty());
        PeerChanges<String> first = PeerChanges.between(Map.of(), peers("a", "a@1", "b", "b@2"));
        assertEquals(List.of("a@1", "b@2"), first.added());
        assertEquals(List.of(), first.removed());
        assertEquals(List.of("a@1"), PeerChanges.between(peers("a", "a@1"), Map.<String, String>of()).removed());
    }
}
