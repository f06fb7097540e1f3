package dev.weft.agent.masq;

import dev.weft.core.net.Cidr;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Flannel's masquerade and forward rules (flannel-compat §6) as iptables-restore input, each rule in
 * the form iptables-save prints it back, so that a rule can be found again by its text. Pure.
 *
 * @param table "nat" or "filter"
 * @param chain the chain the rule is appended to
 * @param spec  the rule after "-A chain"
 */
public record IptablesRules(List<Rule> rules) {
    public static final String MASQ_CHAIN = "FLANNEL-POSTRTG";
    public static final String FORWARD_CHAIN = "FLANNEL-FWD";
    static final String MASQ_COMMENT = "-m comment --comment \"flanneld masq\"";
    static final String FORWARD_COMMENT = "-m comment --comment \"flanneld forward\"";

    /** One rule: appended to {@code chain} of {@code table}. */
    public record Rule(String table, String chain, String spec) {
        /** As iptables-save prints it: "-A CHAIN spec". */
        public String line() {
            return "-A " + chain + " " + spec;
        }

        /** The jump from a built-in chain into ours (kept on resync, the rest is rewritten). */
        boolean isJump() {
            return chain.equals("POSTROUTING") || chain.equals("FORWARD");
        }
    }

    /**
     * @param network     the overlay network (N)
     * @param subnet      this host's subnet (P)
     * @param masquerade  --ip-masq
     * @param forward     --iptables-forward-rules
     * @param randomFully iptables supports --random-fully
     */
    public static IptablesRules of(Cidr network, Cidr subnet, boolean masquerade, boolean forward, boolean randomFully) {
        List<Rule> rules = new ArrayList<>();
        String n = network.toString();
        String p = subnet.toString();
        String masq = "-j MASQUERADE" + (randomFully ? " --random-fully" : "");
        if (masquerade) {
            rules.add(new Rule("nat", "POSTROUTING", MASQ_COMMENT + " -j " + MASQ_CHAIN));
            // kube-proxy's mark: traffic it already masquerades.
            rules.add(new Rule("nat", MASQ_CHAIN, "-m mark --mark 0x4000/0x4000 " + MASQ_COMMENT + " -j RETURN"));
            // Pod to pod, and to this host's pods from anywhere, keeps its source.
            rules.add(new Rule("nat", MASQ_CHAIN, "-s " + p + " -d " + n + " " + MASQ_COMMENT + " -j RETURN"));
            rules.add(new Rule("nat", MASQ_CHAIN, "-s " + n + " -d " + p + " " + MASQ_COMMENT + " -j RETURN"));
            rules.add(new Rule("nat", MASQ_CHAIN, "! -s " + n + " -d " + p + " " + MASQ_COMMENT + " -j RETURN"));
            // Pods leaving the overlay (but not multicast) take the host's address...
            rules.add(new Rule("nat", MASQ_CHAIN, "-s " + n + " ! -d 224.0.0.0/4 " + MASQ_COMMENT + " " + masq));
            // ...and outsiders reaching other hosts' pods through this one do too.
            rules.add(new Rule("nat", MASQ_CHAIN, "! -s " + n + " -d " + n + " " + MASQ_COMMENT + " " + masq));
        }
        if (forward) {
            rules.add(new Rule("filter", "FORWARD", FORWARD_COMMENT + " -j " + FORWARD_CHAIN));
            rules.add(new Rule("filter", FORWARD_CHAIN, "-s " + n + " " + FORWARD_COMMENT + " -j ACCEPT"));
            rules.add(new Rule("filter", FORWARD_CHAIN, "-d " + n + " " + FORWARD_COMMENT + " -j ACCEPT"));
        }
        return new IptablesRules(List.copyOf(rules));
    }

    /** The tables these rules touch, in the order they are written. */
    public List<String> tables() {
        return rules.stream().map(Rule::table).distinct().toList();
    }

    /**
     * iptables-restore --noflush input that rewrites our chains (declaring a chain flushes it, or
     * creates it) and moves our jump to the end of the built-in chain: the jump is deleted first
     * when {@code present} (the lines iptables-save prints now) holds it.
     */
    public String restoreScript(Set<String> present) {
        StringBuilder out = new StringBuilder();
        for (String table : tables()) {
            out.append('*').append(table).append('\n');
            rules.stream().filter(r -> r.table().equals(table) && !r.isJump()).map(Rule::chain).distinct()
                .forEach(chain -> out.append(':').append(chain).append(" - [0:0]\n"));
            for (Rule rule : rules) {
                if (rule.table().equals(table) && rule.isJump()) {
                    if (present.contains(rule.line())) {
                        out.append("-D ").append(rule.chain()).append(' ').append(rule.spec()).append('\n');
                    }
                    out.append(rule.line()).append('\n');
                }
            }
            for (Rule rule : rules) {
                if (rule.table().equals(table) && !rule.isJump()) {
                    out.append(rule.line()).append('\n');
                }
            }
            out.append("COMMIT\n");
        }
        return out.toString();
    }

    /** The rules missing from {@code saved} (iptables-save output); empty when all are in place. */
    public List<Rule> missingFrom(String saved) {
        Set<String> lines = savedLines(saved);
        return rules.stream().filter(r -> !lines.contains(r.line())).toList();
    }

    /** iptables-save output as a set of rule lines, whitespace normalised. */
    public static Set<String> savedLines(String saved) {
        Set<String> lines = new java.util.HashSet<>();
        for (String line : saved.split("\n")) {
            String trimmed = line.trim().replaceAll("\\s+", " ");
            if (trimmed.startsWith("-A ")) {
                lines.add(trimmed);
            }
        }
        return lines;
    }

    /**
     * Removes our chains and jumps (for switching to nftables): the input for iptables-restore
     * --noflush, or null when {@code saved} shows none of them.
     */
    public static String removalScript(String natSaved, String filterSaved) {
        StringBuilder out = new StringBuilder();
        appendRemoval(out, "nat", "POSTROUTING", MASQ_CHAIN, natSaved);
        appendRemoval(out, "filter", "FORWARD", FORWARD_CHAIN, filterSaved);
        return out.isEmpty() ? null : out.toString();
    }

    private static void appendRemoval(StringBuilder out, String table, String builtin, String chain, String saved) {
        boolean chainExists = saved.lines().anyMatch(l -> l.startsWith(":" + chain + " "));
        if (!chainExists) {
            return;
        }
        out.append('*').append(table).append('\n');
        for (String line : savedLines(saved)) {
            if (line.startsWith("-A " + builtin + " ") && line.endsWith("-j " + chain)) {
                out.append("-D ").append(line.substring(3)).append('\n');
            }
        }
        out.append("-F ").append(chain).append('\n').append("-X ").append(chain).append('\n').append("COMMIT\n");
    }
}
