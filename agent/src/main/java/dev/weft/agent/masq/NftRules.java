package dev.weft.agent.masq;

import dev.weft.core.net.Cidr;

/**
 * The nftables form of the same rules (EnableNFTables, flannel-compat §6): table {@code ip flannel-ipv4}
 * with a {@code forward} and a {@code postrtg} chain, replaced as a whole in one `nft -f` transaction.
 * Pure.
 */
public final class NftRules {
    public static final String TABLE = "flannel-ipv4";

    private NftRules() {
    }

    /** The `nft -f -` input: create the table if absent, delete it, write it anew (atomically). */
    public static String script(Cidr network, Cidr subnet, boolean masquerade, boolean forward) {
        String n = network.toString();
        String p = subnet.toString();
        StringBuilder out = new StringBuilder();
        out.append("table ip ").append(TABLE).append('\n');
        out.append("delete table ip ").append(TABLE).append('\n');
        out.append("table ip ").append(TABLE).append(" {\n");
        if (forward) {
            out.append("\tchain forward {\n")
                .append("\t\ttype filter hook forward priority filter; policy accept;\n")
                .append("\t\tip saddr ").append(n).append(" accept\n")
                .append("\t\tip daddr ").append(n).append(" accept\n")
                .append("\t}\n");
        }
        if (masquerade) {
            out.append("\tchain postrtg {\n")
                .append("\t\ttype nat hook postrouting priority srcnat; policy accept;\n")
                .append("\t\tmeta mark & 0x00004000 == 0x00004000 return\n")
                .append("\t\tip saddr ").append(p).append(" ip daddr ").append(n).append(" return\n")
                .append("\t\tip saddr ").append(n).append(" ip daddr ").append(p).append(" return\n")
                .append("\t\tip saddr != ").append(n).append(" ip daddr ").append(p).append(" return\n")
                .append("\t\tip saddr ").append(n).append(" ip daddr != 224.0.0.0/4 masquerade fully-random\n")
                .append("\t\tip saddr != ").append(n).append(" ip daddr ").append(n).append(" masquerade fully-random\n")
                .append("\t}\n");
        }
        return out.append("}\n").toString();
    }

    /** The `nft -f -` input that removes the table (for switching back to iptables); fine when absent. */
    public static String removalScript() {
        return "table ip " + TABLE + "\ndelete table ip " + TABLE + "\n";
    }
}
