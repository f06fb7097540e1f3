package dev.weft.agent.masq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.os.TestNetns;
import dev.weft.core.net.Cidr;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rules written by iptables-restore and nft inside a namespace this test creates, read back
 * with iptables-save and nft list: exactly Flannel's text, rewritten not duplicated, put back when
 * deleted, and cleared when switching modes.
 */
class TrafficRulesNamespaceTest {
    private static final Cidr N = Cidr.parse("10.1.0.0/16");
    private TestNetns ns;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = TestNetns.create();
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    private String inNs(String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        full.addAll(List.of(command));
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }

    private TrafficRules rules(TrafficRules.Mode mode) {
        return new TrafficRules(mode, true, true, List.of("ip", "netns", "exec", ns.name()));
    }

    private static long count(String text, String line) {
        return text.lines().filter(l -> l.equals(line)).count();
    }

    @Test
    void iptablesRulesReadBackAsFlannelWritesThem() throws Exception {
        try (TrafficRules rules = rules(TrafficRules.Mode.IPTABLES)) {
            rules.install(N, Cidr.parse("10.1.15.0/24"));

            String nat = inNs("iptables-save", "-t", "nat");
            for (IptablesRules.Rule rule : IptablesRules.of(N, Cidr.parse("10.1.15.0/24"), true, true, true).rules()) {
                String table = rule.table().equals("nat") ? nat : inNs("iptables-save", "-t", "filter");
                assertEquals(1, count(table, rule.line()), rule.line() + " in\n" + table);
            }
            assertTrue(rules.inPlace());

            // The host moved to another subnet: the chain is rewritten, the jump not doubled.
            rules.install(N, Cidr.parse("10.1.16.0/24"));
            nat = inNs("iptables-save", "-t", "nat");
            assertFalse(nat.contains("10.1.15.0/24"), nat);
            assertEquals(1, count(nat, "-A POSTROUTING -m comment --comment \"flanneld masq\" -j FLANNEL-POSTRTG"), nat);
            assertEquals(1, count(nat, "-A FLANNEL-POSTRTG -s 10.1.16.0/24 -d 10.1.0.0/16 -m comment --comment \"flanneld masq\" -j RETURN"), nat);
            String filter = inNs("iptables-save", "-t", "filter");
            assertEquals(1, count(filter, "-A FORWARD -m comment --comment \"flanneld forward\" -j FLANNEL-FWD"), filter);
        }
    }

    @Test
    void aRuleDeletedByHandComesBackOnResync() throws Exception {
        try (TrafficRules rules = rules(TrafficRules.Mode.IPTABLES)) {
            rules.install(N, Cidr.parse("10.1.15.0/24"));
            inNs("iptables", "-t", "filter", "-D", "FLANNEL-FWD", "-d", "10.1.0.0/16", "-m", "comment", "--comment",
                "flanneld forward", "-j", "ACCEPT");
            assertFalse(rules.inPlace());

            rules.startResync(java.time.Duration.ofMillis(200));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(rules::inPlace);
            assertEquals(1, count(inNs("iptables-save", "-t", "filter"),
                "-A FLANNEL-FWD -d 10.1.0.0/16 -m comment --comment \"flanneld forward\" -j ACCEPT"));
        }
    }

    @Test
    void nftablesTableReadsBackAndSwitchingModesClearsTheOther() throws Exception {
        try (TrafficRules iptables = rules(TrafficRules.Mode.IPTABLES)) {
            iptables.install(N, Cidr.parse("10.1.15.0/24"));
        }
        try (TrafficRules nft = rules(TrafficRules.Mode.NFTABLES)) {
            nft.install(N, Cidr.parse("10.1.15.0/24"));

            String table = inNs("nft", "list", "table", "ip", "flannel-ipv4");
            assertTrue(table.contains("chain forward {"), table);
            assertTrue(table.contains("type filter hook forward priority filter; policy accept;"), table);
            assertTrue(table.contains("ip saddr 10.1.0.0/16 accept"), table);
            assertTrue(table.contains("type nat hook postrouting priority srcnat; policy accept;"), table);
            assertTrue(table.contains("ip saddr 10.1.15.0/24 ip daddr 10.1.0.0/16 return"), table);
            assertTrue(table.contains("ip saddr != 10.1.0.0/16 ip daddr 10.1.15.0/24 return"), table);
            assertTrue(table.contains("ip saddr 10.1.0.0/16 ip daddr != 224.0.0.0/4 masquerade fully-random"), table);
            assertTrue(table.contains("ip saddr != 10.1.0.0/16 ip daddr 10.1.0.0/16 masquerade fully-random"), table);
            assertTrue(nft.inPlace());
            assertFalse(inNs("iptables-save", "-t", "nat").contains("FLANNEL-POSTRTG"), "the iptables chains went");
            assertFalse(inNs("iptables-save", "-t", "filter").contains("FLANNEL-FWD"));

            inNs("nft", "delete", "table", "ip", "flannel-ipv4");
            assertFalse(nft.inPlace());
            nft.install(N, Cidr.parse("10.1.15.0/24"));
            assertTrue(nft.inPlace());
        }
        try (TrafficRules iptables = rules(TrafficRules.Mode.IPTABLES)) {
            iptables.install(N, Cidr.parse("10.1.15.0/24"));
            assertFalse(inNs("nft", "list", "tables").contains("flannel-ipv4"), "the nftables table went");
        }
    }
}
