package dev.weft.core.etcd;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.CompactOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * One real etcd per test JVM ({@link #get()}), started on first use on loopback with free ports and a
 * temporary data directory, and stopped (by its PID) when the JVM exits. Tests share the server, not
 * keys: each takes its own prefix from {@link #uniquePrefix(String)}. A test that needs to take etcd
 * down starts a {@link #dedicated()} one instead.
 */
public final class EtcdTestServer implements AutoCloseable {
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);
    private static EtcdTestServer instance;

    private final List<String> command;
    private final Path dataDir;
    private final String endpoint;
    private final AtomicInteger prefixes = new AtomicInteger();
    private final boolean shared;
    private Process process;
    private Client client;

    private EtcdTestServer(List<String> command, Path dataDir, String endpoint, boolean shared) {
        this.command = command;
        this.dataDir = dataDir;
        this.endpoint = endpoint;
        this.shared = shared;
    }

    /** The shared server, started on first call. Fails with install advice when etcd is missing. */
    public static synchronized EtcdTestServer get() {
        if (instance == null) {
            instance = start(true);
            Runtime.getRuntime().addShutdownHook(new Thread(instance::stop, "etcd-test-server-stop"));
        }
        return instance;
    }

    /** A server of the caller's own, which it may {@link #pause()} and {@link #resume()}, and must close. */
    public static EtcdTestServer dedicated() {
        return start(false);
    }

    /** Stops the etcd process (by PID), keeping its data and ports: clients see an outage. */
    public synchronized void pause() {
        if (shared) {
            throw new IllegalStateException("the shared test etcd cannot be paused; use EtcdTestServer.dedicated()");
        }
        stopProcess();
    }

    /** Starts etcd again on the same ports and data after {@link #pause()}. */
    public synchronized void resume() {
        if (process != null && process.isAlive()) {
            return;
        }
        launch();
        awaitHealthy();
    }

    @Override
    public void close() {
        if (shared) {
            throw new IllegalStateException("the shared test etcd stops when the JVM exits");
        }
        stop();
    }

    /** The client URL, e.g. {@code http://127.0.0.1:41234}. */
    public String endpoint() {
        return endpoint;
    }

    /** Options for a store on this server under {@code prefix}. */
    public EtcdOptions options(String prefix) {
        return EtcdOptions.builder().endpoints(endpoint).prefix(prefix).build();
    }

    /** A key prefix no other test uses, e.g. {@code /weft-test/7-watch/coreos.com/network}. */
    public String uniquePrefix(String name) {
        return "/weft-test/" + prefixes.incrementAndGet() + "-" + name + "/coreos.com/network";
    }

    /** A client shared by the tests' own reads and writes; closed with the server. */
    public synchronized Client client() {
        if (client == null) {
            client = Client.builder().endpoints(endpoint).build();
        }
        return client;
    }

    /** A new client the caller closes. */
    public Client newClient() {
        return Client.builder().endpoints(endpoint).build();
    }

    /** Writes {@code value} at {@code key} with no etcd lease, as etcdctl put does. */
    public void put(String key, String value) {
        await(() -> client().getKVClient().put(bytes(key), bytes(value)).get(10, TimeUnit.SECONDS));
    }

    /** The current store revision. */
    public long revision() {
        return await(() -> client().getKVClient().get(bytes("/")).get(10, TimeUnit.SECONDS).getHeader().getRevision());
    }

    /** Compacts the whole store at its current revision, as {@code etcdctl compact} would; returns that revision. */
    public long compact() {
        long revision = revision();
        await(() -> client().getKVClient()
            .compact(revision, CompactOption.builder().withCompactPhysical(true).build())
            .get(10, TimeUnit.SECONDS));
        return revision;
    }

    private static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    private interface Call<T> {
        T run() throws Exception;
    }

    private static <T> T await(Call<T> call) {
        try {
            return call.run();
        } catch (Exception e) {
            throw new IllegalStateException("etcd test server call failed: " + e, e);
        }
    }

    private static EtcdTestServer start(boolean shared) {
        Path binary = findEtcd();
        IllegalStateException last = null;
        for (int attempt = 1; attempt <= 3; attempt++) { // a free port may be taken between probe and bind
            EtcdTestServer server = prepare(binary, shared);
            try {
                server.launch();
                server.awaitHealthy();
                return server;
            } catch (IllegalStateException e) {
                server.stop();
                last = e;
            }
        }
        throw last;
    }

    private static Path findEtcd() {
        Path standard = Path.of("/usr/bin/etcd");
        if (Files.isExecutable(standard)) {
            return standard;
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "etcd"))) {
                return Path.of(dir, "etcd");
            }
        }
        throw new IllegalStateException("etcd is not installed: apt-get install etcd-server");
    }

    private static EtcdTestServer prepare(Path binary, boolean shared) {
        Path dataDir;
        try {
            Path shm = Path.of("/dev/shm"); // memory-backed: etcd's fsyncs cost nothing there
            Path base = Files.isDirectory(shm) && Files.isWritable(shm) ? shm : Path.of(System.getProperty("java.io.tmpdir"));
            dataDir = Files.createTempDirectory(base, "weft-etcd-test-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a data directory for the test etcd", e);
        }
        String clientUrl = "http://127.0.0.1:" + freePort();
        String peerUrl = "http://127.0.0.1:" + freePort();
        List<String> command = List.of(binary.toString(),
            "--name", "weft-test",
            "--data-dir", dataDir.resolve("data").toString(),
            "--listen-client-urls", clientUrl,
            "--advertise-client-urls", clientUrl,
            "--listen-peer-urls", peerUrl,
            "--initial-advertise-peer-urls", peerUrl,
            "--initial-cluster", "weft-test=" + peerUrl,
            "--initial-cluster-state", "new",
            "--auto-compaction-retention", "0",
            "--logger", "zap",
            "--log-level", "warn");
        return new EtcdTestServer(command, dataDir, clientUrl, shared);
    }

    private void launch() {
        try {
            process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile()))
                .start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    private Path log() {
        return dataDir.resolve("etcd.log");
    }

    private void awaitHealthy() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create(endpoint + "/health"))
            .timeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("test etcd exited with " + process.exitValue() + ": " + tail(log()));
            }
            try {
                HttpResponse<String> response = http.send(health, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200 && response.body().contains("\"health\":\"true\"")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the test etcd", e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the test etcd", e);
            }
        }
        throw new IllegalStateException("test etcd at " + endpoint + " not healthy within " + STARTUP_TIMEOUT
            + ": " + tail(log()));
    }

    private synchronized void stop() {
        if (client != null) {
            client.close();
            client = null;
        }
        stopProcess();
        deleteTree(dataDir);
    }

    private void stopProcess() {
        if (process == null) {
            return;
        }
        ProcessHandle handle = process.toHandle(); // this PID only, never by name
        handle.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                handle.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            handle.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free loopback port", e);
        }
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind is harmless
        }
    }
}
