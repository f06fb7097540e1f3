package dev.weft.agent.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.os.TestNetns;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Interface selection (flannel-compat §7) against the kernel, inside a namespace with two veth
 * pairs: wa0 (192.168.50.10/24, the default route) and wb0 (10.20.0.5/16 plus a secondary).
 */
class ExternalInterfaceSelectorNamespaceTest {
    private static TestNetns ns;

    @BeforeAll
    static void lab() throws Exception {
        ns = TestNetns.create();
        ns.ip("link", "add", "wa0", "type", "veth", "peer", "name", "wa1");
        ns.ip("link", "add", "wb0", "mtu", "9000", "type", "veth", "peer", "name", "wb1");
        for (String link : List.of("wa0", "wa1", "wb0", "wb1")) {
            ns.ip("link", "set", link, "up");
        }
        ns.ip("addr", "add", "192.168.50.10/24", "dev", "wa0");
        ns.ip("addr", "add", "10.20.0.5/16", "dev", "wb0");
        ns.ip("addr", "add", "10.20.0.6/16", "dev", "wb0");
        ns.ip("route", "add", "default", "via", "192.168.50.1", "dev", "wa0");
        ns.ip("route", "add", "172.30.0.0/16", "via", "10.20.0.1", "dev", "wb0");
    }

    @AfterAll
    static void down() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    private static ExternalInterface select(List<String> ifaces, List<String> regexes, String canReach, String publicIp)
            throws Exception {
        return ns.call(() -> {
            try (RouteNetlink netlink = RouteNetlink.open()) {
                return new ExternalInterfaceSelector(netlink).select(ifaces, regexes, canReach, publicIp);
            }
        });
    }

    @Test
    void withoutFlagsTheDefaultRouteInterfaceIsUsed() throws Exception {
        ExternalInterface chosen = select(List.of(), List.of(), "", "");
        assertEquals("wa0", chosen.name());
        assertEquals("192.168.50.10", chosen.interfaceAddr().getHostAddress());
        assertEquals("192.168.50.10", chosen.publicIp().getHostAddress());
    }

    @Test
    void ifaceByNameOrAddressAndItsMtu() throws Exception {
        ExternalInterface byName = select(List.of("nope0", "wb0"), List.of(), "", "");
        assertEquals("wb0", byName.name());
        assertEquals(9000, byName.mtu());
        assertEquals("10.20.0.5", byName.interfaceAddr().getHostAddress(), "the primary address");
        assertEquals("10.20.0.6", select(List.of("10.20.0.6"), List.of(), "", "").interfaceAddr().getHostAddress());
    }

    @Test
    void regexMatchesAddressesThenNames() throws Exception {
        assertEquals("wb0", select(List.of(), List.of("10\\.20\\..*"), "", "").name());
        assertEquals("wa0", select(List.of(), List.of("zz.*", "wa0"), "", "").name(), "the first regex that matches wins");
    }

    @Test
    void canReachFollowsTheRoute() throws Exception {
        assertEquals("wb0", select(List.of(), List.of(), "172.30.1.1", "").name());
    }

    @Test
    void publicIpPicksTheInterfaceHoldingItOrOverridesTheAddress() throws Exception {
        assertEquals("wb0", select(List.of(), List.of(), "", "10.20.0.5").name());
        ExternalInterface natted = select(List.of("wa0"), List.of(), "", "203.0.113.7");
        assertEquals("192.168.50.10", natted.interfaceAddr().getHostAddress(), "the socket binds the interface address");
        assertEquals("203.0.113.7", natted.publicIp().getHostAddress(), "peers are told the public IP");
    }

    @Test
    void nothingMatchingIsAClearError() {
        var e = assertThrows(IllegalStateException.class, () -> select(List.of("eth9"), List.of(), "", ""));
        assertTrue(e.getMessage().contains("--iface [eth9]"), e.getMessage());
        var held = assertThrows(IllegalStateException.class, () -> select(List.of(), List.of(), "", "198.51.100.1"));
        assertTrue(held.getMessage().contains("no interface holds --public-ip 198.51.100.1"), held.getMessage());
    }
}
