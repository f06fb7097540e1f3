package dev.weft.agent.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.agent.os.TestNetns;
import dev.weft.agent.os.UdpSocket;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The seed's picture, for real: three hosts on an underlay bridge (192.168.0.100, .200, .150), etcd
 * in its own namespace, one agent JVM per host (UDP backend, TUN flannel0, port 8285) and one pod per
 * host made by the CNI bridge plugin from subnet.env. Hosts 1 and 2 run the fast path (TUN offloads,
 * UDP GSO/GRO), host 3 the one-packet path (--udp-offloads=false), and a fourth host speaks
 * flanneld's wire format by hand: every pair of kinds meets. Everything lives in namespaces this
 * test makes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UdpOverlayEndToEndIT {
    /**
     * SubnetMax keeps the agents' random subnets below 10.1.98.0/24 and 10.1.99.0/24, which the tests
     * lease by hand: a hand-made lease on an agent's own subnet would take it away mid-test.
     */
    private static final String NET_CONF =
        "{\"Network\":\"10.1.0.0/16\",\"SubnetLen\":24,\"SubnetMax\":\"10.1.90.0\",\"Backend\":{\"Type\":\"udp\"}}";
    private static final String SUBNETS = "/coreos.com/network/subnets/";
    private static Lab lab;
    @RegisterExtension
    static final TestWatcher LOGS_ON_FAILURE = Lab.printLogsOnFailure(() -> lab);

    @BeforeAll
    static void up() throws Exception {
        assumeTrue(Lab.isRoot(), "the namespace lab needs root (CI runs as root)");
        lab = Lab.up(4);
        lab.lab("netconf", "--json", NET_CONF);
        lab.startAgent(1);
        lab.startAgent(2);
        lab.startAgent(3, "--udp-offloads=false");
        lab.waitReadyAndAddPods(3);
    }

    @AfterAll
    static void down() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void subnetEnvAndLeasesLookLikeFlannels() throws Exception {
        String env = lab.subnetEnv(1);
        assertTrue(env.matches("(?s)FLANNEL_NETWORK=10\\.1\\.0\\.0/16\nFLANNEL_SUBNET=10\\.1\\.\\d+\\.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n"), env);
        String leases = lab.etcdctl("get", "--prefix", SUBNETS);
        assertTrue(leases.contains("{\"PublicIP\":\"192.168.0.100\",\"PublicIPv6\":null}"), leases);
        assertTrue(leases.contains("{\"PublicIP\":\"192.168.0.200\",\"PublicIPv6\":null}"), leases);
        assertTrue(leases.contains("{\"PublicIP\":\"192.168.0.150\",\"PublicIPv6\":null}"), leases);
        String link = lab.exec("h1", "ip", "-o", "addr", "show", "dev", "flannel0");
        assertTrue(link.matches("(?s).*inet 10\\.1\\.\\d+\\.0/16 .*"), "flannel0 holds its subnet with the network's prefix: " + link);
    }

    @Test
    @Order(1)
    void fastPathAndOnePacketPathAreWhatTheHostsChose() throws Exception {
        assertTrue(lab.agentLog(1).contains("UDP fast path: TUN offloads csum tso4 tso6"), lab.agentLog(1));
        assertTrue(lab.agentLog(1).contains("UDP GSO on, UDP GRO on"), lab.agentLog(1));
        assertTrue(lab.agentLog(3).contains("UDP fast path: TUN offloads off, UDP GSO off, UDP GRO off"), lab.agentLog(3));
    }

    @Test
    @Order(2)
    void podsPingAcrossEveryHostPair() throws Exception {
        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (from != to) {
                    lab.assertPodsReach(from, to);
                }
            }
        }
    }

    @Test
    @Order(3)
    void tcpTransfersArriveIntactBetweenEveryKindOfHost() throws Exception {
        transfer(1, 2, 100); // fast path both ways: TSO split + GSO send, GRO receive + coalesced TUN writes
        transfer(1, 3, 16);  // fast path to one-packet
        transfer(3, 2, 16);  // one-packet to fast path
        for (int host = 1; host <= 3; host++) {
            // Counters count datagrams on the wire: whole packets of at most the TUN MTU (1472).
            double packets = lab.metric(host, "weft_udp_packets_total{direction=\"tx\"}");
            double bytes = lab.metric(host, "weft_udp_bytes_total{direction=\"tx\"}");
            assertTrue(packets > 0 && bytes / packets >= 40 && bytes / packets <= 1472,
                "host " + host + " sent " + bytes + " bytes in " + packets + " packets");
        }
    }

    @Test
    @Order(3)
    void aPodsUdpGsoBurstArrivesAsItsDatagramsOnEveryKindOfHost() throws Exception {
        // Pod 1 sends 2,500 bytes with UDP_SEGMENT 1000 (as QUIC stacks do): flannel0 on its
        // fast-path host takes it as one USO super-packet, which the agent must split into the three
        // datagrams the pod meant, whether the receiving host runs the fast path (2) or not (3).
        byte[] payload = new byte[2500];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 13 + 5);
        }
        for (int to : new int[] {2, 3}) {
            int port = 5100 + to;
            Inet4Address receiverIp = IpAddresses.parseIpv4(lab.podIp(to));
            try (UdpSocket receiver = TestNetns.callIn(lab.prefix + "-h" + to + "p1",
                    () -> UdpSocket.bind(receiverIp, port, 1 << 20))) {
                TestNetns.callIn(lab.prefix + "-h1p1", () -> {
                    try (UdpSocket sender = UdpSocket.bind(IpAddresses.parseIpv4(lab.podIp(1)), port, 1 << 20)) {
                        ByteBuffer out = ByteBuffer.allocateDirect(payload.length).put(0, payload);
                        assertTrue(sender.send(out, 0, payload.length, IpAddresses.toInt(receiverIp), port, 1000));
                    }
                    return null;
                });
                ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
                UdpSocket.Received from = new UdpSocket.Received();
                List<Integer> lengths = new ArrayList<>();
                byte[] received = new byte[0];
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (lengths.size() < 3 && System.nanoTime() < deadline) {
                    int n = receiver.receiveNow(in, 0, in.capacity(), from);
                    if (n == UdpSocket.NOTHING_QUEUED) {
                        Thread.sleep(5);
                        continue;
                    }
                    lengths.add(n);
                    int start = received.length;
                    received = Arrays.copyOf(received, start + n);
                    in.get(0, received, start, n);
                }
                assertEquals(List.of(1000, 1000, 500), lengths, "datagrams at host " + to);
                assertArrayEquals(payload, received, "the pod's bytes at host " + to);
            }
        }
    }

    /** Sends {@code mib} MiB of random bytes pod to pod over TCP and compares SHA-256 at both ends. */
    private static void transfer(int from, int to, int mib) throws Exception {
        String data = "/tmp/" + lab.prefix + "-payload-" + from + to;
        long bytes = mib * 1024L * 1024L;
        lab.exec("h" + from + "p1", "sh", "-c", "head -c " + bytes + " /dev/urandom > " + data);
        lab.lab("bg", "--ns", "h" + to + "p1", "--name", "sink" + from + to, "--", "sh", "-c",
            "socat -u TCP-LISTEN:5001,reuseaddr OPEN:" + data + ".recv,creat,trunc");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() ->
                lab.status("h" + to + "p1", "sh", "-c", "ss -ltn | grep -q :5001") == 0);
            lab.exec("h" + from + "p1", "socat", "-u", "OPEN:" + data, "TCP:" + lab.podIp(to) + ":5001");
            await().atMost(Duration.ofSeconds(60)).until(() ->
                lab.exec("h" + to + "p1", "sh", "-c", "wc -c < " + data + ".recv").strip().equals(Long.toString(bytes)));
            assertEquals(lab.exec("h" + from + "p1", "sha256sum", data).split(" ")[0],
                lab.exec("h" + to + "p1", "sha256sum", data + ".recv").split(" ")[0],
                mib + " MiB from host " + from + " to host " + to + ", byte for byte");
        } finally {
            lab.lab("stop", "--name", "sink" + from + to);
            lab.exec("h1", "rm", "-f", data, data + ".recv");
        }
    }

    @Test
    @Order(4)
    void garbageFromAHostWithoutLeaseIsDroppedAndCounted() throws Exception {
        double before = lab.metric(1, "weft_udp_drops_total{reason=\"unknown-sender\"}");
        // Host 4 holds no lease (yet): its datagrams to 8285 must not reach flannel0.
        lab.exec("h4", "bash", "-c", "for i in $(seq 1 50); do head -c 200 /dev/urandom > /dev/udp/192.168.0.100/8285; done");
        await().atMost(Duration.ofSeconds(5)).until(() ->
            lab.metric(1, "weft_udp_drops_total{reason=\"unknown-sender\"}") >= before + 50);
        lab.assertPodsReach(2, 1);
        lab.assertPodsReach(1, 3);
    }

    @Test
    @Order(5)
    void aFlanneldHostByHandIsAPeerBothWays() throws Exception {
        // Host 4 (192.168.0.101) leases 10.1.99.0/24 as flanneld's UDP backend writes it, with a TTL.
        String lease = lab.etcdctl("lease", "grant", "600").split(" ")[1];
        lab.etcdctl("put", SUBNETS + "10.1.99.0-24", "{\"PublicIP\":\"192.168.0.101\",\"PublicIPv6\":null}", "--lease=" + lease);
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.metric(1, "weft_peers") == 3.0);
        Path captured = Path.of("/tmp/" + lab.prefix + "-h4.recv");
        Path crafted = Path.of("/tmp/" + lab.prefix + "-h4.send");
        lab.lab("bg", "--ns", "h4", "--name", "fake-flanneld", "--", "sh", "-c",
            "socat -u UDP-RECV:8285 OPEN:" + captured + ",creat,append");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lab.status("h4", "sh", "-c", "ss -lun | grep -q :8285") == 0);
            // Weft → flanneld: a ping into 10.1.99.0/24 leaves host 1 as one raw IP packet per datagram.
            lab.status("h1p1", "ping", "-c", "1", "-W", "1", "10.1.99.2");
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(captured) && Files.size(captured) == 84);
            byte[] request = Files.readAllBytes(captured);
            assertEquals(8, request[20], "an ICMP echo request, whole, as the datagram's payload");
            // flanneld → Weft: a raw echo request from 10.1.99.2 sent by host 4 reaches pod 1, whose reply comes back.
            Files.write(crafted, echoRequest(0x0a016302, ipv4(lab.podIp(1))));
            lab.exec("h4", "socat", "-u", "OPEN:" + crafted, "UDP-SENDTO:192.168.0.100:8285");
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.size(captured) == 84 + 84);
            ByteBuffer reply = ByteBuffer.wrap(Files.readAllBytes(captured), 84, 84).slice();
            assertEquals(0, reply.get(20), "an ICMP echo reply");
            assertEquals(ipv4(lab.podIp(1)), reply.getInt(12), "from pod 1");
            assertEquals(0x0a016302, reply.getInt(16), "to the flanneld host's subnet");
        } finally {
            lab.lab("stop", "--name", "fake-flanneld");
            Files.deleteIfExists(captured);
            Files.deleteIfExists(crafted);
            lab.etcdctl("del", SUBNETS + "10.1.99.0-24");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.metric(1, "weft_peers") == 2.0);
    }

    private static int ipv4(String dotted) {
        String[] parts = dotted.split("\\.");
        return Integer.parseInt(parts[0]) << 24 | Integer.parseInt(parts[1]) << 16 | Integer.parseInt(parts[2]) << 8
            | Integer.parseInt(parts[3]);
    }

    /** An 84-byte ICMP echo request with valid checksums, as ping would send it. */
    private static byte[] echoRequest(int source, int destination) {
        ByteBuffer b = ByteBuffer.allocate(84);
        b.put(0, (byte) 0x45).putShort(2, (short) 84).putShort(4, (short) 0x4242).putShort(6, (short) 0x4000);
        b.put(8, (byte) 64).put(9, (byte) 1).putInt(12, source).putInt(16, destination);
        b.putShort(10, (short) checksum(b, 0, 20));
        b.put(20, (byte) 8).putShort(24, (short) 0x1234).putShort(26, (short) 1);
        for (int i = 28; i < 84; i++) {
            b.put(i, (byte) i);
        }
        b.putShort(22, (short) checksum(b, 20, 64));
        return b.array();
    }

    private static int checksum(ByteBuffer b, int off, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += b.getShort(off + i) & 0xffff;
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (int) ~sum & 0xffff;
    }

    @Test
    @Order(6)
    void forwardingGoesOnWhileEtcdIsUnreachableAndTheWatchRecovers() throws Exception {
        lab.exec("ul", "ip", "link", "set", "etcd", "down"); // cut etcd off the underlay
        try {
            Thread.sleep(3000);
            lab.assertPodsReach(1, 2);
            lab.assertPodsReach(3, 1);
            assertEquals(0, lab.status("h1", "curl", "-fsS", "-m", "2", "http://127.0.0.1:8471/readyz"), "still ready");
        } finally {
            lab.exec("ul", "ip", "link", "set", "etcd", "up");
        }
        // After the outage the agents see new leases again.
        String lease = lab.etcdctl("lease", "grant", "600").split(" ")[1];
        lab.etcdctl("put", SUBNETS + "10.1.98.0-24", "{\"PublicIP\":\"192.168.0.101\",\"PublicIPv6\":null}", "--lease=" + lease);
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> lab.metric(2, "weft_peers") == 3.0);
        } finally {
            lab.etcdctl("del", SUBNETS + "10.1.98.0-24");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> lab.metric(2, "weft_peers") == 2.0);
    }

    @Test
    @Order(7)
    void aKilledAgentRestartsOnTheSameSubnet() throws Exception {
        String before = lab.subnetEnv(2);
        lab.lab("agent-stop", "--host", "2", "--kill");
        lab.startAgent(2);
        lab.waitReady(2);
        assertEquals(before, lab.subnetEnv(2), "same subnet after a restart");
        lab.assertPodsReach(1, 2);
        lab.assertPodsReach(2, 3);
    }

    @Test
    @Order(8)
    void aDeletedLeaseIsDroppedByPeersAndReacquiredByItsHost() throws Exception {
        String key = SUBNETS + SubnetKey.of(lab.subnet(3)).toString();
        lab.etcdctl("del", key);
        // The host takes it back (the same subnet, it is free), and everybody has it again.
        await().atMost(Duration.ofSeconds(30)).until(() -> lab.etcdctl("get", key).contains("192.168.0.150"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.metric(1, "weft_peers") == 2.0);
        assertTrue(lab.metric(3, "weft_lease_acquisitions_total") >= 2.0, "host 3 acquired again");
        lab.assertPodsReach(1, 3);
        lab.assertPodsReach(3, 2);
    }

    @Test
    @Order(9)
    void sigtermKeepsTheLeaseAndRemovesFlannel0() throws Exception {
        String key = SUBNETS + SubnetKey.of(lab.subnet(1)).toString();
        lab.lab("agent-stop", "--host", "1");
        assertTrue(lab.agentLog(1).contains("stopped; the lease is kept"), lab.agentLog(1));
        assertTrue(lab.etcdctl("get", key).contains("192.168.0.100"), "the lease stays in etcd");
        assertNotEquals(0, lab.status("h1", "ip", "link", "show", "flannel0"), "the TUN device is gone");
    }


}
