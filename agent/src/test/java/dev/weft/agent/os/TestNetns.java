package dev.weft.agent.os;

import dev.weft.core.net.IpAddresses;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace made for one test, and a thread pinned inside it.
 *
 * <p>Sockets, netlink sockets and TUN devices belong to the namespace of the thread that
 * creates them, so create them in {@link #call}; once created, any thread may use them.
 * Names are {@code wtn<pid>-<n>}: {@link #create()} first deletes namespaces of this family
 * whose creating process is gone, and never touches one of a live process. The namespace is
 * deleted in {@link #close()}. Only test code runs `ip`, for setup and inspection.
 */
public final class TestNetns implements AutoCloseable {
    public static final String PREFIX = "wtn";
    private static final Pattern OURS = Pattern.compile("^(" + PREFIX + "(\\d+)-\\S+)");
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String name;
    private final ExecutorService thread;
    private RouteNetlink netlink;

    private TestNetns(String name) {
        this.name = name;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "netns-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates a fresh namespace; skips the calling test (JUnit assumption) unless running as root. */
    public static TestNetns create() throws Exception {
        Assumptions.assumeTrue(isRoot(), "network namespace tests need root (they create namespaces and TUN devices)");
        sweepLeftovers();
        String name = PREFIX + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        runCommand("ip", "netns", "add", name);
        TestNetns netns = new TestNetns(name);
        try {
            netns.call(() -> {
                enter(name);
                return null;
            });
        } catch (Exception e) {
            netns.close();
            throw e;
        }
        return netns;
    }

    /**
     * Runs {@code task} on a fresh thread inside the existing namespace {@code name} (say, a lab
     * pod's) and returns its result; sockets it opens stay in that namespace.
     */
    public static <T> T callIn(String name, Callable<T> task) throws Exception {
        ExecutorService one = Executors.newSingleThreadExecutor();
        try {
            return resultOf(one.submit(() -> {
                enter(name);
                return task.call();
            }));
        } finally {
            one.shutdownNow();
        }
    }

    /** The task's result within 60 s; the task's own exception is rethrown as it was. */
    private static <T> T resultOf(Future<T> task) throws Exception {
        try {
            return task.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Moves the calling thread into the named namespace with setns(2). */
    static void enter(String name) throws NativeException {
        String path = "/var/run/netns/" + name;
        int fd = LibC.INSTANCE.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw NativeException.last("open " + path);
        }
        try {
            if (LibC.INSTANCE.setns(fd, LibC.CLONE_NEWNET) < 0) {
                throw NativeException.last("setns " + path);
            }
        } finally {
            LibC.INSTANCE.close(fd);
        }
    }

    public String name() {
        return name;
    }

    /** Runs {@code task} on the namespace's thread and returns its result; its exception is rethrown. */
    public <T> T call(Callable<T> task) throws Exception {
        return resultOf(thread.submit(task));
    }

    /** Starts a daemon thread that enters the namespace and then runs {@code body}, e.g. a packet loop. */
    public Thread startThread(String threadName, Runnable body) {
        Thread t = new Thread(() -> {
            try {
                enter(name);
            } catch (NativeException e) {
                throw new IllegalStateException(e);
            }
            body.run();
        }, threadName);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** Runs {@code ip -n <ns> args...}; returns stdout, or fails with ip's stderr. */
    public String ip(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return runCommand(command.toArray(String[]::new));
    }

    /**
     * A stand-in for the external interface: veth {@code wd0} (peer {@code wd0p}), both up, with
     * {@code cidr} on wd0 (no dummy link kind on this kernel).
     */
    public void addUnderlay(String cidr) throws IOException, InterruptedException {
        ip("link", "add", "wd0", "type", "veth", "peer", "name", "wd0p");
        ip("link", "set", "wd0p", "up");
        ip("link", "set", "wd0", "up");
        ip("addr", "add", cidr, "dev", "wd0");
    }

    /** This namespace's rtnetlink socket, opened on first use and closed with the namespace. */
    public synchronized RouteNetlink netlink() throws Exception {
        if (netlink == null) {
            netlink = call(RouteNetlink::open);
        }
        return netlink;
    }

    /**
     * A TUN device that {@code open} makes in this namespace, given {@code address/prefixLength}, the
     * MTU the UDP backend uses and set up, as the backend sets up flannel0. No IPv6 comes with it
     * (the namespace's default turns IPv6 off), so the kernel queues nothing on it by itself.
     */
    public TunDevice tunUp(Callable<TunDevice> open, String address, int prefixLength) throws Exception {
        call(() -> Files.writeString(Path.of("/proc/sys/net/ipv6/conf/default/disable_ipv6"), "1"));
        TunDevice tun = call(open);
        int index = netlink().linkByName(tun.name()).orElseThrow().index();
        netlink().setMtu(index, 1472);
        netlink().addAddress(index, IpAddresses.parse(address), prefixLength);
        netlink().setLinkUp(index);
        return tun;
    }

    @Override
    public void close() throws Exception {
        synchronized (this) {
            if (netlink != null) {
                netlink.close();
            }
        }
        thread.shutdownNow();
        thread.awaitTermination(10, TimeUnit.SECONDS);
        runCommand("ip", "netns", "del", name);
    }

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).anyMatch(l -> l.split("\\s+")[1].equals("0"));
        } catch (IOException e) {
            return false;
        }
    }

    private static void sweepLeftovers() throws IOException, InterruptedException {
        for (String line : runCommand("ip", "netns", "list").split("\n")) {
            Matcher m = OURS.matcher(line.trim());
            if (m.find() && ProcessHandle.of(Long.parseLong(m.group(2))).isEmpty()) {
                runCommand("ip", "netns", "del", m.group(1));
            }
        }
    }

    static String runCommand(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(false).start();
        byte[] out = process.getInputStream().readAllBytes();
        byte[] err = process.getErrorStream().readAllBytes();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                + new String(err, StandardCharsets.UTF_8).trim());
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
