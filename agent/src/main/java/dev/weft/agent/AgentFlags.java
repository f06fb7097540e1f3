package dev.weft.agent;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The agent's command line: Flannel's flag names (flannel-compat.md §7) plus Weft's own, each also
 * settable as {@code FLANNELD_<FLAG_UPPER_UNDERSCORES>} when not given on the command line.
 * Pure parsing and validation; a bad value is an {@link IllegalArgumentException} naming the flag.
 */
public final class AgentFlags {

    /** One flag: name, default (as text, "" for none), help, and whether it may repeat. */
    private record Flag(String name, String defaultValue, String help, boolean repeatable, boolean bool) {
    }

    private static final List<Flag> FLAGS = List.of(
        new Flag("store", "etcd", "lease store: etcd (Flannel's layout) or kubernetes (SubnetLease objects)", false, false),
        new Flag("etcd-endpoints", "http://127.0.0.1:4001,http://127.0.0.1:2379", "a comma-delimited list of etcd endpoints", false, false),
        new Flag("etcd-prefix", "/coreos.com/network", "etcd prefix", false, false),
        new Flag("etcd-keyfile", "", "SSL key file used to secure etcd communication", false, false),
        new Flag("etcd-certfile", "", "SSL certification file used to secure etcd communication", false, false),
        new Flag("etcd-cafile", "", "SSL Certificate Authority file used to secure etcd communication", false, false),
        new Flag("etcd-username", "", "username for BasicAuth to etcd", false, false),
        new Flag("etcd-password", "", "password for BasicAuth to etcd", false, false),
        new Flag("network", "", "OverlayNetwork name (--store=kubernetes)", false, false),
        new Flag("kubeconfig-file", "", "kubeconfig file (--store=kubernetes; in-cluster config when empty)", false, false),
        new Flag("node-name", "", "this node's name (--store=kubernetes; default $NODE_NAME, then the host name)", false, false),
        new Flag("iface", "", "interface to use (IP or name) for inter-host communication; may repeat", true, false),
        new Flag("iface-regex", "", "regex matching the IP or name of the interface to use; may repeat", true, false),
        new Flag("iface-can-reach", "", "detect the interface to use by the route to this IP", false, false),
        new Flag("public-ip", "", "IP accessible by other nodes for inter-host communication", false, false),
        new Flag("public-ipv6", "", "IPv6 accessible by other nodes for inter-host communication", false, false),
        new Flag("subnet-file", "/run/flannel/subnet.env", "filename where env variables (subnet, MTU, ...) will be written to", false, false),
        new Flag("subnet-lease-renew-margin", "60", "subnet lease renewal margin, in minutes (1..1439)", false, false),
        new Flag("subnet-lease-ttl", "1440", "lease lifetime in minutes when acquired or renewed (Weft; Flannel fixes 24 h)", false, false),
        new Flag("udp-offloads", "true", "UDP backend: TUN TSO/checksum offloads and UDP GSO/GRO when the kernel has them (Weft)", false, true),
        new Flag("ip-masq", "false", "setup IP masquerade rule for traffic destined outside of overlay network", false, true),
        new Flag("iptables-resync", "5", "resync period for iptables rules, in seconds", false, false),
        new Flag("iptables-forward-rules", "true", "add default accept rules to the FORWARD chain", false, true),
        new Flag("healthz-ip", "0.0.0.0", "the IP address for the healthz server to listen on", false, false),
        new Flag("healthz-port", "0", "the port for the healthz server to listen on (0 to disable)", false, false),
        new Flag("help", "false", "print this help and exit", false, true),
        new Flag("version", "false", "print the version and exit", false, true));

    private final Map<String, List<String>> values;

    private AgentFlags(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Parses {@code args}, then fills unset flags from {@code env} (FLANNELD_*), then defaults; validates. */
    public static AgentFlags parse(String[] args, Map<String, String> env) {
        Map<String, List<String>> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("-") || arg.equals("-") || arg.equals("--")) {
                throw new IllegalArgumentException("unexpected argument \"" + arg + "\": flags look like --name=value");
            }
            String body = arg.startsWith("--") ? arg.substring(2) : arg.substring(1);
            int eq = body.indexOf('=');
            String name = eq < 0 ? body : body.substring(0, eq);
            Flag flag = find(name);
            String value;
            if (eq >= 0) {
                value = body.substring(eq + 1);
            } else if (flag.bool()) {
                value = "true";
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("flag --" + name + " needs a value");
            }
            List<String> list = given.computeIfAbsent(name, k -> new ArrayList<>());
            if (!flag.repeatable()) {
                list.clear();
            }
            list.add(value);
        }
        for (Flag flag : FLAGS) {
            if (given.containsKey(flag.name())) {
                continue;
            }
            String fromEnv = env.get("FLANNELD_" + flag.name().toUpperCase(Locale.ROOT).replace('-', '_'));
            if (fromEnv != null && !fromEnv.isEmpty()) {
                // Flannel splits repeatable flags given by environment on commas.
                given.put(flag.name(), flag.repeatable() ? List.of(fromEnv.split(",")) : List.of(fromEnv));
            }
        }
        AgentFlags flags = new AgentFlags(given);
        flags.validate();
        return flags;
    }

    /** The --help text: every flag with its default. */
    public static String help() {
        StringBuilder out = new StringBuilder("Usage: weft-agent [flags]\n\nFlags (each also as FLANNELD_<NAME> in the environment):\n");
        for (Flag flag : FLAGS) {
            out.append(String.format("  --%-28s %s", flag.name(), flag.help()));
            if (!flag.defaultValue().isEmpty()) {
                out.append(" (default ").append(flag.defaultValue()).append(')');
            }
            out.append('\n');
        }
        return out.toString();
    }

    public String get(String name) {
        Flag flag = find(name);
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? flag.defaultValue() : v.get(v.size() - 1);
    }

    public List<String> all(String name) {
        find(name);
        return values.getOrDefault(name, List.of()).stream().filter(s -> !s.isEmpty()).toList();
    }

    public boolean isSet(String name) {
        return values.containsKey(name);
    }

    public boolean bool(String name) {
        return Boolean.parseBoolean(get(name));
    }

    public int integer(String name) {
        return Integer.parseInt(get(name));
    }

    private void validate() {
        for (Flag flag : FLAGS) {
            if (flag.bool()) {
                check(flag.name(), v -> v.equals("true") || v.equals("false") ? null : "expected true or false");
            }
        }
        check("store", v -> v.equals("etcd") || v.equals("kubernetes") ? null : "expected etcd or kubernetes");
        check("subnet-lease-renew-margin", v -> inRange(v, 1, 1439));
        check("subnet-lease-ttl", v -> inRange(v, 2, 525600));
        check("healthz-port", v -> inRange(v, 0, 65535));
        check("iptables-resync", v -> inRange(v, 1, 86400));
        if (integer("subnet-lease-renew-margin") >= integer("subnet-lease-ttl")) {
            throw new IllegalArgumentException("invalid value \"" + get("subnet-lease-renew-margin")
                + "\" for flag --subnet-lease-renew-margin: must be below --subnet-lease-ttl (" + get("subnet-lease-ttl") + ")");
        }
        check("healthz-ip", v -> isIpLiteral(v) ? null : "expected an IP address");
        check("public-ip", v -> v.isEmpty() || v.matches("\\d+\\.\\d+\\.\\d+\\.\\d+") && isIpLiteral(v) ? null : "expected an IPv4 address");
        check("public-ipv6", v -> v.isEmpty() || v.contains(":") && isIpLiteral(v) ? null : "expected an IPv6 address");
        check("iface-can-reach", v -> v.isEmpty() || isIpLiteral(v) ? null : "expected an IP address");
        for (String regex : all("iface-regex")) {
            try {
                java.util.regex.Pattern.compile(regex);
            } catch (java.util.regex.PatternSyntaxException e) {
                throw new IllegalArgumentException("invalid value \"" + regex + "\" for flag --iface-regex: " + e.getDescription());
            }
        }
        for (String endpoint : get("etcd-endpoints").split(",")) {
            if (!endpoint.matches("https?://[^/\\s]+/?")) {
                throw new IllegalArgumentException("invalid value \"" + get("etcd-endpoints")
                    + "\" for flag --etcd-endpoints: \"" + endpoint + "\" is not an http(s)://host:port URL");
            }
        }
        if (get("store").equals("kubernetes") && get("network").isEmpty()) {
            throw new IllegalArgumentException("flag --network is required with --store=kubernetes (the OverlayNetwork's name)");
        }
    }

    private void check(String name, Function<String, String> problem) {
        String value = get(name);
        String why = problem.apply(value);
        if (why != null) {
            throw new IllegalArgumentException("invalid value \"" + value + "\" for flag --" + name + ": " + why);
        }
    }

    private static String inRange(String value, int min, int max) {
        try {
            int v = Integer.parseInt(value);
            return v >= min && v <= max ? null : "must be between " + min + " and " + max;
        } catch (NumberFormatException e) {
            return "expected an integer between " + min + " and " + max;
        }
    }

    private static boolean isIpLiteral(String value) {
        try {
            dev.weft.core.net.IpAddresses.parse(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static Flag find(String name) {
        for (Flag flag : FLAGS) {
            if (flag.name().equals(name)) {
                return flag;
            }
        }
        throw new IllegalArgumentException("unknown flag --" + name + " (see --help)");
    }
}
