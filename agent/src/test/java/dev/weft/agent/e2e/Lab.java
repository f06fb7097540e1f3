package dev.weft.agent.e2e;

import static org.awaitility.Awaitility.await;

import dev.weft.core.net.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The namespace lab of scripts/lab.sh, driven from a test: hosts on an underlay bridge, etcd,
 * agents as separate JVMs (ip netns exec), pods made by the CNI bridge plugin. One prefix per run;
 * {@link #close()} removes every namespace and process, also after a failure.
 */
final class Lab implements AutoCloseable {
    static final Path REPO = findRepo();
    private static final Path SCRIPT = REPO.resolve("scripts/lab.sh");

    final String prefix;
    private final Map<Integer, String> podIps = new HashMap<>();

    private Lab(String prefix) {
        this.prefix = prefix;
    }

    static Lab up(int hosts) throws Exception {
        run(List.of(SCRIPT.toString(), "sweep"));
        String prefix = run(List.of(SCRIPT.toString(), "new-prefix")).strip();
        Lab lab = new Lab(prefix);
        try {
            // This JVM owns the lab: close() removes it, and a later sweep does if the JVM dies first.
            lab.lab("up", "--hosts", Integer.toString(hosts), "--etcd", "--owner", Long.toString(ProcessHandle.current().pid()));
        } catch (Exception e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    /** Runs a lab.sh command with this lab's prefix; returns stdout, throws with stderr on failure. */
    String lab(String command, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), command, "--prefix", prefix));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    /** Runs a command inside one of the lab's namespaces (h1, h1p1, etcd, ul). */
    String exec(String ns, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), "exec", "--prefix", prefix, "--ns", ns, "--"));
        cmd.addAll(List.of(command));
        return run(cmd);
    }

    /** Like {@link #exec} but returns the exit code instead of failing. */
    int status(String ns, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(SCRIPT.toString(), "exec", "--prefix", prefix, "--ns", ns, "--"));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    String etcdctl(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("--"));
        cmd.addAll(List.of(args));
        return lab("etcdctl", cmd.toArray(String[]::new));
    }

    void startAgent(int host, String... extraFlags) throws Exception {
        List<String> args = new ArrayList<>(List.of("--host", Integer.toString(host), "--"));
        args.addAll(List.of(extraFlags));
        lab("agent-start", args.toArray(String[]::new));
    }

    void waitReady(int host) throws Exception {
        lab("wait-ready", "--host", Integer.toString(host), "--timeout", "60");
    }

    String subnetEnv(int host) throws Exception {
        return Files.readString(Path.of(lab("subnet-file", "--host", Integer.toString(host)).strip()));
    }

    /** The subnet host {@code host} holds, read back from its subnet.env (FLANNEL_SUBNET, host bits masked). */
    Cidr subnet(int host) throws Exception {
        for (String line : subnetEnv(host).split("\n")) {
            if (line.startsWith("FLANNEL_SUBNET=")) {
                return Cidr.parse(line.substring("FLANNEL_SUBNET=".length()));
            }
        }
        throw new AssertionError("no FLANNEL_SUBNET in host " + host + "'s subnet.env");
    }

    /** Makes pod 1 on {@code host} as kubelet would (CNI bridge plugin from subnet.env); returns its IP. */
    /** Waits for hosts 1..{@code hosts} to be ready, then gives each its pod 1 (as kubelet would once the node is ready). */
    void waitReadyAndAddPods(int hosts) throws Exception {
        for (int host = 1; host <= hosts; host++) {
            waitReady(host);
            addPod(host);
        }
    }

    private String addPod(int host) throws Exception {
        String ip = lab("pod-add", "--host", Integer.toString(host), "--pod", "1").strip();
        podIps.put(host, ip);
        return ip;
    }

    String podIp(int host) {
        return podIps.get(host);
    }

    /** Waits until host {@code from}'s pod pings host {@code to}'s pod. */
    void assertPodsReach(int from, int to) {
        String target = podIps.get(to);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() ->
            status("h" + from + "p1", "ping", "-c", "1", "-W", "1", target) == 0);
    }

    String agentLog(int host) {
        try {
            return Files.readString(REPO.resolve(".lab").resolve(prefix).resolve("agent-h" + host + ".log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** The agent's Prometheus metrics, from inside its host namespace. */
    String metrics(int host) throws Exception {
        return exec("h" + host, "curl", "-fsS", "-m", "5", "http://127.0.0.1:8471/metrics");
    }

    /** One sample of a metric with the given labels text, e.g. {@code weft_peers} or {@code weft_udp_drops_total{reason="unknown-sender"}}. */
    double metric(int host, String series) throws Exception {
        for (String line : metrics(host).split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        throw new AssertionError("metric " + series + " not found on host " + host);
    }

    /**
     * Prints the last lines of every agent's and lab process's log to stderr, so a test that failed
     * in CI says what the agents saw (the state directory is gone after {@link #close()}).
     */
    void printLogTails(String why) {
        Path state = REPO.resolve(".lab").resolve(prefix);
        try (var logs = Files.newDirectoryStream(state, "*.log")) {
            for (Path log : logs) {
                List<String> lines = Files.readAllLines(log);
                System.err.println("---- " + why + ": last lines of " + log.getFileName() + " (lab " + prefix + ")");
                lines.subList(Math.max(0, lines.size() - 40), lines.size()).forEach(System.err::println);
            }
        } catch (IOException e) {
            System.err.println("could not read the lab's logs: " + e);
        }
    }

    /** A JUnit extension for a lab test class: on a failed test, print {@code lab}'s log tails. */
    static TestWatcher printLogsOnFailure(Supplier<Lab> lab) {
        return new TestWatcher() {
            @Override
            public void testFailed(ExtensionContext context, Throwable cause) {
                if (lab.get() != null) {
                    lab.get().printLogTails(context.getDisplayName() + " failed");
                }
            }
        };
    }

    /** Keeps the agents' and the lab's logs in agent/target/lab-logs/<prefix> (down deletes the state), then tears down. */
    @Override
    public void close() throws Exception {
        try {
            Path state = REPO.resolve(".lab").resolve(prefix);
            Path kept = REPO.resolve("agent/target/lab-logs").resolve(prefix);
            Files.createDirectories(kept);
            try (var logs = Files.newDirectoryStream(state, "*.log")) {
                for (Path log : logs) {
                    Files.copy(log, kept.resolve(log.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.err.println("could not keep the lab's logs: " + e);
        } finally {
            run(List.of(SCRIPT.toString(), "down", "--prefix", prefix));
        }
    }

    static String run(List<String> cmd) throws Exception {
        Path err = Files.createTempFile("weft-lab", ".err");
        try {
            // stderr to a file, so a chatty command can never block on a full pipe.
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            byte[] out;
            try (var stdout = p.getInputStream()) {
                out = stdout.readAllBytes();
            }
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("timed out: " + String.join(" ", cmd));
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n"
                    + new String(out, StandardCharsets.UTF_8) + Files.readString(err));
            }
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static Path findRepo() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("scripts/lab.sh"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("scripts/lab.sh not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }
}
