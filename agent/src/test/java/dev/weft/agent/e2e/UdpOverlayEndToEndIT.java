package dev.weft.agent.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The seed's picture, for real: three hosts on an underlay bridge (192.168.0.100, .200, .150), etcd
 * in its own namespace, one agent JVM per host (UDP backend, TUN flannel0, port 8285) and one pod per
 * host made by the CNI bridge plugin from subnet.env. Everything lives in namespaces this test makes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class UdpOverlayEndToEndIT {
    private static final String NET_CONF = "{\"Network\":\"10.1.0.0/16\",\"SubnetLen\":24,\"Backend\":{\"Type\":\"udp\"}}";
    private static final String SUBNETS = "/coreos.com/network/subnets/";
    private static Lab lab;
    private static final Map<Integer, String> podIps = new HashMap<>();

    @BeforeAll
    static void up() throws Exception {
        assumeTrue(Lab.isRoot(), "the namespace lab needs root (CI runs as root)");
        lab = Lab.up(4);
        lab.lab("netconf", "--json", NET_CONF);
        for (int host = 1; host <= 3; host++) {
            lab.startAgent(host);
        }
        for (int host = 1; host <= 3; host++) {
            lab.waitReady(host);
            podIps.put(host, lab.lab("pod-add", "--host", Integer.toString(host), "--pod", "1").strip());
        }
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
    @Order(2)
    void podsPingAcrossEveryHostPair() throws Exception {
        for (int from = 1; from <= 3; from++) {
            for (int to = 1; to <= 3; to++) {
                if (from != to) {
                    assertPing(from, to);
                }
            }
        }
    }

    @Test
    @Order(3)
    void tcpTransferArrivesIntact() throws Exception {
        String data = "/tmp/" + lab.prefix + "-payload";
        lab.exec("h1p1", "sh", "-c", "head -c 8388608 /dev/urandom > " + data);
        lab.lab("bg", "--ns", "h2p1", "--name", "sink", "--", "sh", "-c",
            "socat -u TCP-LISTEN:5001,reuseaddr OPEN:" + data + ".recv,creat,trunc");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lab.status("h2p1", "sh", "-c", "ss -ltn | grep -q :5001") == 0);
            lab.exec("h1p1", "socat", "-u", "OPEN:" + data, "TCP:" + podIps.get(2) + ":5001");
            await().atMost(Duration.ofSeconds(20)).until(() ->
                lab.exec("h2p1", "sh", "-c", "wc -c < " + data + ".recv").strip().equals("8388608"));
            assertEquals(lab.exec("h1p1", "sha256sum", data).split(" ")[0],
                lab.exec("h2p1", "sha256sum", data + ".recv").split(" ")[0], "8 MiB across the overlay, byte for byte");
        } finally {
            lab.exec("h1p1", "rm", "-f", data, data + ".recv");
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
        assertPing(2, 1);
        assertPing(1, 3);
    }

    @Test
    @Order(5)
    void aLeaseInFlannelsJsonForAFourthHostBecomesAPeer() throws Exception {
        // As flanneld (UDP backend) writes it, with an etcd lease TTL.
        String lease = lab.etcdctl("lease", "grant", "600").split(" ")[1];
        lab.etcdctl("put", SUBNETS + "10.1.99.0-24", "{\"PublicIP\":\"192.168.0.101\",\"PublicIPv6\":null}", "--lease=" + lease);
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.metric(1, "weft_peers") == 3.0);
        // A packet for that subnet now leaves host 1 as one raw IP packet in a datagram to 192.168.0.101:8285.
        lab.lab("bg", "--ns", "h4", "--name", "fake-flanneld", "--", "sh", "-c",
            "socat -u UDP-RECV:8285 - | head -c 84 > /tmp/" + lab.prefix + "-h4.recv");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lab.status("h4", "sh", "-c", "ss -lun | grep -q :8285") == 0);
            lab.status("h1p1", "ping", "-c", "1", "-W", "1", "10.1.99.2");
            await().atMost(Duration.ofSeconds(5)).until(() ->
                lab.exec("h4", "sh", "-c", "wc -c < /tmp/" + lab.prefix + "-h4.recv").strip().equals("84"));
        } finally {
            lab.lab("stop", "--name", "fake-flanneld");
            lab.exec("h4", "rm", "-f", "/tmp/" + lab.prefix + "-h4.recv");
            lab.etcdctl("del", SUBNETS + "10.1.99.0-24");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.metric(1, "weft_peers") == 2.0);
    }

    @Test
    @Order(6)
    void forwardingGoesOnWhileEtcdIsUnreachableAndTheWatchRecovers() throws Exception {
        lab.exec("ul", "ip", "link", "set", "etcd", "down"); // cut etcd off the underlay
        try {
            Thread.sleep(3000);
            assertPing(1, 2);
            assertPing(3, 1);
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
        assertPing(1, 2);
        assertPing(2, 3);
    }

    @Test
    @Order(8)
    void aDeletedLeaseIsDroppedByPeersAndReacquiredByItsHost() throws Exception {
        String key = SUBNETS + subnetKeyOf(lab.subnetEnv(3));
        lab.etcdctl("del", key);
        // The host takes it back (the same subnet, it is free), and everybody has it again.
        await().atMost(Duration.ofSeconds(30)).until(() -> lab.etcdctl("get", key).contains("192.168.0.150"));
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.metric(1, "weft_peers") == 2.0);
        assertTrue(lab.metric(3, "weft_lease_acquisitions_total") >= 2.0, "host 3 acquired again");
        assertPing(1, 3);
        assertPing(3, 2);
    }

    @Test
    @Order(9)
    void sigtermKeepsTheLeaseAndRemovesFlannel0() throws Exception {
        String key = SUBNETS + subnetKeyOf(lab.subnetEnv(1));
        lab.lab("agent-stop", "--host", "1");
        assertTrue(lab.agentLog(1).contains("stopped; the lease is kept"), lab.agentLog(1));
        assertTrue(lab.etcdctl("get", key).contains("192.168.0.100"), "the lease stays in etcd");
        assertNotEquals(0, lab.status("h1", "ip", "link", "show", "flannel0"), "the TUN device is gone");
    }

    private static void assertPing(int from, int to) throws Exception {
        String target = podIps.get(to);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() ->
            lab.status("h" + from + "p1", "ping", "-c", "1", "-W", "1", target) == 0);
    }

    /** "FLANNEL_SUBNET=10.1.15.1/24" → "10.1.15.0-24". */
    private static String subnetKeyOf(String env) {
        for (String line : env.split("\n")) {
            if (line.startsWith("FLANNEL_SUBNET=")) {
                String cidr = line.substring("FLANNEL_SUBNET=".length());
                String ip = cidr.substring(0, cidr.indexOf('/'));
                return ip.substring(0, ip.lastIndexOf('.')) + ".0-" + cidr.substring(cidr.indexOf('/') + 1);
            }
        }
        throw new AssertionError("no FLANNEL_SUBNET in " + env);
    }
}
