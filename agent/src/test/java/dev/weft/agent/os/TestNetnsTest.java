package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The namespace utility other tests rely on for isolation and cleanup. */
class TestNetnsTest {

    private static boolean listed(String name) throws Exception {
        return Arrays.stream(TestNetns.runCommand("ip", "netns", "list").split("\n"))
            .anyMatch(line -> line.equals(name) || line.startsWith(name + " "));
    }

    @Test
    void pinnedThreadIsInsideAndTheNamespaceIsDeletedOnClose() throws Exception {
        String name;
        try (TestNetns ns = TestNetns.create()) {
            name = ns.name();
            assertTrue(name.startsWith(TestNetns.PREFIX + ProcessHandle.current().pid() + "-"), name);
            assertTrue(listed(name));
            // Inside, a fresh namespace has nothing but its loopback device.
            List<String> inside = ns.call(() -> {
                try (RouteNetlink netlink = RouteNetlink.open()) {
                    return netlink.links().stream().map(Link::name).toList();
                }
            });
            assertEquals(List.of("lo"), inside);
        }
        assertFalse(listed(name));
    }

    @Test
    void createSweepsLeftoversOfGoneProcessesOnly() throws Exception {
        long gonePid = 4_000_000;
        while (ProcessHandle.of(gonePid).isPresent()) {
            gonePid++;
        }
        String leftover = TestNetns.PREFIX + gonePid + "-1";
        TestNetns.runCommand("ip", "netns", "add", leftover);
        try (TestNetns live = TestNetns.create(); TestNetns another = TestNetns.create()) {
            assertFalse(listed(leftover), "leftover of a gone process is swept");
            assertTrue(listed(live.name()), "a live process's namespace is kept");
        } finally {
            if (listed(leftover)) {
                TestNetns.runCommand("ip", "netns", "del", leftover);
            }
        }
    }
}
