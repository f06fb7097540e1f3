package dev.weft.agent.masq;

import dev.weft.core.net.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Installs Flannel's masquerade and forward rules in the agent's network namespace, with
 * iptables-restore or, when the network config sets EnableNFTables, with `nft -f`, and puts them
 * back when something removes them (checked every --iptables-resync seconds). As with flanneld, the
 * rules stay when the agent exits. Rules are the one thing the agent changes by running a program
 * (iptables-restore, nft), as the design allows: their languages are those tools' own.
 */
public final class TrafficRules implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrafficRules.class);
    private static final Pattern IPTABLES_VERSION = Pattern.compile("v(\\d+)\\.(\\d+)\\.(\\d+)");

    public enum Mode { IPTABLES, NFTABLES }

    private final Mode mode;
    private final boolean masquerade;
    private final boolean forward;
    private final List<String> commandPrefix;
    private ScheduledExecutorService resync;
    private Cidr network;
    private Cidr subnet;
    private IptablesRules iptables;
    private String nftInstalled;
    private Boolean randomFully;
    private boolean otherModeCleaned;
    private String lastError;

    /**
     * @param commandPrefix put before every command (empty for the agent; tests use `ip netns exec NS`)
     */
    public TrafficRules(Mode mode, boolean masquerade, boolean forward, List<String> commandPrefix) {
        this.mode = mode;
        this.masquerade = masquerade;
        this.forward = forward;
        this.commandPrefix = List.copyOf(commandPrefix);
    }

    /** Writes the rules for {@code network} and this host's {@code subnet}, replacing ours from before. */
    public synchronized void install(Cidr network, Cidr subnet) throws IOException {
        this.network = network;
        this.subnet = subnet;
        if (!otherModeCleaned) {
            removeOtherMode();
            otherModeCleaned = true;
        }
        if (mode == Mode.IPTABLES) {
            installIptables();
        } else {
            installNft();
        }
        lastError = null;
    }

    private void installIptables() throws IOException {
        if (randomFully == null) {
            randomFully = supportsRandomFully(run(List.of("iptables", "--version"), null));
        }
        iptables = IptablesRules.of(network, subnet, masquerade, forward, randomFully);
        java.util.Set<String> present = new java.util.HashSet<>();
        for (String table : iptables.tables()) {
            present.addAll(IptablesRules.savedLines(save(table)));
        }
        run(List.of("iptables-restore", "--noflush", "--wait"), iptables.restoreScript(present));
        List<IptablesRules.Rule> missing = missingIptablesRules();
        if (!missing.isEmpty()) {
            throw new IOException("iptables-restore succeeded but iptables-save does not show " + missing.get(0).line());
        }
        LOG.infof("iptables rules in place:%s%s for network %s, subnet %s", masquerade ? " masquerade" : "",
            forward ? " forward" : "", network, subnet);
    }

    private List<IptablesRules.Rule> missingIptablesRules() throws IOException {
        StringBuilder saved = new StringBuilder();
        for (String table : iptables.tables()) {
            saved.append(save(table));
        }
        return iptables.missingFrom(saved.toString());
    }

    private String save(String table) throws IOException {
        return run(List.of("iptables-save", "-t", table), null);
    }

    private void installNft() throws IOException {
        run(List.of("nft", "-f", "-"), NftRules.script(network, subnet, masquerade, forward));
        nftInstalled = listNftTable();
        LOG.infof("nftables table ip %s in place:%s%s for network %s, subnet %s", NftRules.TABLE,
            masquerade ? " masquerade" : "", forward ? " forward" : "", network, subnet);
    }

    private String listNftTable() throws IOException {
        return run(List.of("nft", "list", "table", "ip", NftRules.TABLE), null);
    }

    /** Flannel's startup cleanup: the other mode's rules go, best effort (its tool may be absent). */
    private void removeOtherMode() {
        try {
            if (mode == Mode.IPTABLES) {
                if (hasTool("nft")) {
                    run(List.of("nft", "-f", "-"), NftRules.removalScript());
                }
            } else if (hasTool("iptables-save")) {
                String script = IptablesRules.removalScript(save("nat"), save("filter"));
                if (script != null) {
                    run(List.of("iptables-restore", "--noflush", "--wait"), script);
                }
            }
        } catch (IOException e) {
            LOG.debugf("removing the %s rules: %s", mode == Mode.IPTABLES ? "nftables" : "iptables", e.getMessage());
        }
    }

    /** Whether every rule is still there (for nftables: the table is as it was written). */
    public synchronized boolean inPlace() throws IOException {
        if (network == null) {
            return false;
        }
        if (mode == Mode.IPTABLES) {
            return missingIptablesRules().isEmpty();
        }
        try {
            return listNftTable().equals(nftInstalled);
        } catch (IOException e) {
            return false; // "No such file or directory": the table is gone
        }
    }

    /** Checks every {@code period} and installs again when a rule or chain is missing. */
    public synchronized void startResync(Duration period) {
        if (resync != null) {
            return;
        }
        resync = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "weft-rules-resync");
            t.setDaemon(true);
            return t;
        });
        resync.scheduleWithFixedDelay(this::resyncOnce, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    private synchronized void resyncOnce() {
        if (network == null) {
            return;
        }
        try {
            if (!inPlace()) {
                LOG.warnf("%s rules are missing or changed; installing them again", mode == Mode.IPTABLES ? "iptables" : "nftables");
                install(network, subnet);
            }
        } catch (IOException | RuntimeException e) {
            if (!e.getMessage().equals(lastError)) {
                LOG.errorf("installing traffic rules failed: %s (retrying)", e.getMessage());
                lastError = e.getMessage();
            }
        }
    }

    /** iptables learnt --random-fully in 1.6.2. */
    static boolean supportsRandomFully(String versionOutput) {
        Matcher m = IPTABLES_VERSION.matcher(versionOutput);
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        int minor = Integer.parseInt(m.group(2));
        int patch = Integer.parseInt(m.group(3));
        return major > 1 || major == 1 && (minor > 6 || minor == 6 && patch >= 2);
    }

    private static boolean hasTool(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : path.split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    /** Runs a command (with the prefix), feeding {@code stdin}; returns stdout or fails with stderr. */
    private String run(List<String> command, String stdin) throws IOException {
        List<String> full = new ArrayList<>(commandPrefix);
        full.addAll(command);
        Path err = Files.createTempFile("weft-rules", ".err");
        try {
            Process process = new ProcessBuilder(full).redirectError(err.toFile()).start();
            try (var in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer within 30 s");
            }
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                    + Files.readString(err).trim() + (stdin == null ? "" : "\ninput was:\n" + stdin));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted");
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Override
    public synchronized void close() {
        if (resync != null) {
            resync.shutdownNow();
        }
    }
}
