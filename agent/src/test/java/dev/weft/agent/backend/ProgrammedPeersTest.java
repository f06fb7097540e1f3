package dev.weft.agent.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.SubnetKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProgrammedPeersTest {
    private static final SubnetKey A = SubnetKey.parse("10.1.1.0-24");
    private static final SubnetKey B = SubnetKey.parse("10.1.2.0-24");
    private static final SubnetKey C = SubnetKey.parse("10.1.3.0-24");

    /** Records what it was asked to do; refuses the peers listed in {@code refuse}. */
    private static final class Recorder implements ProgrammedPeers.Programmer<String> {
        final List<String> calls = new ArrayList<>();
        final Set<String> refuse = new HashSet<>();

        @Override
        public void add(String peer) throws Exception {
            if (refuse.contains(peer)) {
                calls.add("refused " + peer);
                throw new IllegalStateException(peer + " is not on a directly connected network");
            }
            calls.add("add " + peer);
        }

        @Override
        public void remove(String peer) {
            calls.add("remove " + peer);
        }
    }

    private static void want(ProgrammedPeers<String> peers, Object... keysAndPeers) {
        peers.clearDesired();
        for (int i = 0; i < keysAndPeers.length; i += 2) {
            peers.want((SubnetKey) keysAndPeers[i], (String) keysAndPeers[i + 1]);
        }
    }

    @Test
    void newPeersAreProgrammedAndVanishedOnesRemoved() {
        ProgrammedPeers<String> peers = new ProgrammedPeers<>("test");
        Recorder kernel = new Recorder();
        want(peers, A, "a@1", B, "b@2");
        peers.apply(kernel);
        want(peers, B, "b@2", C, "c@3");
        peers.apply(kernel);
        assertEquals(List.of("add a@1", "add b@2", "remove a@1", "add c@3"), kernel.calls);
        assertEquals(Set.of("b@2", "c@3"), Set.copyOf(peers.programmed()));
    }

    @Test
    void aPeerThatChangedIsRemovedInItsOldFormThenAddedInItsNew() {
        ProgrammedPeers<String> peers = new ProgrammedPeers<>("test");
        Recorder kernel = new Recorder();
        want(peers, A, "a@1");
        peers.apply(kernel);
        want(peers, A, "a@9");
        peers.apply(kernel);
        assertEquals(List.of("add a@1", "remove a@1", "add a@9"), kernel.calls);
    }

    @Test
    void aFailingPeerStaysOutAndIsRetriedWhileTheOthersWork() {
        ProgrammedPeers<String> peers = new ProgrammedPeers<>("test");
        Recorder kernel = new Recorder();
        kernel.refuse.add("b@2");
        want(peers, A, "a@1", B, "b@2");
        peers.apply(kernel);
        assertEquals(List.of("a@1"), List.copyOf(peers.programmed()));
        assertTrue(peers.errors().get(B).contains("not on a directly connected network"));
        kernel.refuse.clear();
        peers.apply(kernel);
        assertEquals(List.of("add a@1", "refused b@2", "add b@2"), kernel.calls, "only the failed peer is tried again");
        assertTrue(peers.errors().isEmpty());
    }

    @Test
    void lostPeersAreProgrammedAgain() {
        ProgrammedPeers<String> peers = new ProgrammedPeers<>("test");
        Recorder kernel = new Recorder();
        want(peers, A, "a@1", B, "b@2");
        peers.apply(kernel);
        peers.forgetIf("a@1"::equals);
        peers.apply(kernel);
        peers.forgetAll();
        peers.apply(kernel);
        assertEquals(List.of("add a@1", "add b@2", "add a@1", "add a@1", "add b@2"), kernel.calls);
    }

    @Test
    void theSameSetChangesNothing() {
        ProgrammedPeers<String> peers = new ProgrammedPeers<>("test");
        Recorder kernel = new Recorder();
        want(peers, A, "a@1");
        peers.apply(kernel);
        want(peers, A, "a@1");
        peers.apply(kernel);
        assertEquals(List.of("add a@1"), kernel.calls);
    }
}
