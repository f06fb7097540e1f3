package dev.weft.agent.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * The kernel backends in the namespace lab, two networks side by side in one etcd: hosts 1 and 2 run
 * a vxlan network (10.1.0.0/16, Flannel's default prefix), hosts 3 and 4 a host-gw network
 * (10.2.0.0/16 under /hostgw/network). Every agent runs with --ip-masq (the lab's default).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KernelBackendsEndToEndIT {
    private static final String VXLAN_SUBNETS = "/coreos.com/network/subnets/";
    private static final String HOSTGW_PREFIX = "/hostgw/network";
    private static final String HOSTGW_SUBNETS = HOSTGW_PREFIX + "/subnets/";
    private static Lab lab;
    @RegisterExtension
    static final TestWatcher LOGS_ON_FAILURE = Lab.printLogsOnFailure(() -> lab);

    @BeforeAll
    static void up() throws Exception {
        assumeTrue(Lab.isRoot(), "the namespace lab needs root (CI runs as root)");
        lab = Lab.up(4);
        // SubnetMax keeps the agents' random subnets below the x.x.99.0/24 leases the tests write by
        // hand: a hand-made lease on an agent's own subnet would take it away mid-test.
        lab.lab("netconf", "--json",
            "{\"Network\":\"10.1.0.0/16\",\"SubnetLen\":24,\"SubnetMax\":\"10.1.90.0\",\"Backend\":{\"Type\":\"vxlan\"}}");
        lab.lab("netconf", "--etcd-prefix", HOSTGW_PREFIX, "--json",
            "{\"Network\":\"10.2.0.0/16\",\"SubnetLen\":24,\"SubnetMax\":\"10.2.90.0\",\"Backend\":{\"Type\":\"host-gw\"}}");
        lab.startAgent(1);
        lab.startAgent(2);
        lab.startAgent(3, "--etcd-prefix=" + HOSTGW_PREFIX);
        lab.startAgent(4, "--etcd-prefix=" + HOSTGW_PREFIX);
        lab.waitReadyAndAddPods(4);
    }

    @AfterAll
    static void down() throws Exception {
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    @Order(1)
    void vxlanLeasesCarryFlannelsBackendDataAndPodsPing() throws Exception {
        assertTrue(lab.subnetEnv(1).contains("FLANNEL_MTU=1450\n"), lab.subnetEnv(1));
        String leases = lab.etcdctl("get", "--prefix", VXLAN_SUBNETS);
        assertTrue(leases.matches("(?s).*\\{\"PublicIP\":\"192\\.168\\.0\\.100\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
            + "\"BackendData\":\\{\"VNI\":1,\"VtepMAC\":\"[0-9a-f]{2}(:[0-9a-f]{2}){5}\"}}.*"), leases);
        String link = lab.exec("h1", "ip", "-d", "-o", "link", "show", "dev", "flannel.1");
        assertTrue(link.contains("mtu 1450") && link.contains("vxlan id 1 local 192.168.0.100 dev eth0") && link.contains("dstport 8472 nolearning"), link);
        lab.assertPodsReach(1, 2);
        lab.assertPodsReach(2, 1);
    }

    @Test
    @Order(2)
    void aFlanneldVxlanLeaseGetsItsNeighbourFdbEntryAndRoute() throws Exception {
        String lease = lab.etcdctl("lease", "grant", "600").split(" ")[1];
        lab.etcdctl("put", VXLAN_SUBNETS + "10.1.99.0-24",
            "{\"PublicIP\":\"192.168.0.120\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\",\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"0e:00:00:00:99:01\"}}",
            "--lease=" + lease);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() ->
                lab.exec("h1", "ip", "route", "show", "10.1.99.0/24").strip().equals("10.1.99.0/24 via 10.1.99.0 dev flannel.1 onlink"));
            assertTrue(lab.exec("h1", "ip", "neigh", "show", "dev", "flannel.1").contains("10.1.99.0 lladdr 0e:00:00:00:99:01 PERMANENT"));
            String fdb = lab.exec("h1", "bridge", "fdb", "show", "dev", "flannel.1");
            assertTrue(fdb.contains("0e:00:00:00:99:01 dst 192.168.0.120 self permanent"), fdb);
        } finally {
            lab.etcdctl("del", VXLAN_SUBNETS + "10.1.99.0-24");
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> lab.exec("h1", "ip", "route", "show", "10.1.99.0/24").isBlank());
        assertFalse(lab.exec("h1", "bridge", "fdb", "show", "dev", "flannel.1").contains("0e:00:00:00:99:01"));
    }

    @Test
    @Order(3)
    void aDeletedVxlanDeviceComesBackWithItsPeers() throws Exception {
        lab.exec("h1", "ip", "link", "del", "flannel.1");
        lab.assertPodsReach(1, 2);
        lab.assertPodsReach(2, 1);
        assertTrue(lab.agentLog(1).contains("flannel.1 was deleted or changed under the agent"), lab.agentLog(1));
    }

    @Test
    @Order(4)
    void withIpMasqAPodReachesTheUnderlayWithItsHostsAddress() throws Exception {
        // The pods of the lab route only the overlay through cni0; give h1p1 a default route like a real pod's.
        String gateway = lab.subnetEnv(1).lines().filter(l -> l.startsWith("FLANNEL_SUBNET=")).findFirst().orElseThrow()
            .replaceAll("FLANNEL_SUBNET=([0-9.]+)/.*", "$1");
        lab.exec("h1p1", "ip", "route", "replace", "default", "via", gateway);
        assertTrue(lab.exec("h1", "iptables-save", "-t", "nat").contains(
            "-A FLANNEL-POSTRTG -s 10.1.0.0/16 ! -d 224.0.0.0/4 -m comment --comment \"flanneld masq\" -j MASQUERADE --random-fully"));
        lab.lab("bg", "--ns", "etcd", "--name", "whoami", "--", "socat", "TCP-LISTEN:7070,reuseaddr,fork",
            "SYSTEM:echo $SOCAT_PEERADDR");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lab.status("etcd", "sh", "-c", "ss -ltn | grep -q :7070") == 0);
            // 192.168.0.2 (etcd's namespace) is outside the overlay and has no route back to 10.1.0.0/16.
            assertEquals("192.168.0.100", lab.exec("h1p1", "socat", "-T", "5", "-", "TCP:192.168.0.2:7070").strip());
        } finally {
            lab.lab("stop", "--name", "whoami");
        }
    }

    @Test
    @Order(5)
    void hostGwRoutesEachPeerViaItsPublicIpAndPodsPing() throws Exception {
        assertTrue(lab.subnetEnv(3).contains("FLANNEL_MTU=1500\n"), lab.subnetEnv(3));
        assertTrue(lab.etcdctl("get", "--prefix", HOSTGW_SUBNETS)
            .contains("{\"PublicIP\":\"192.168.0.101\",\"PublicIPv6\":null,\"BackendType\":\"host-gw\"}"));
        String h4Subnet = lab.subnet(4).toString();
        assertEquals(h4Subnet + " via 192.168.0.101 dev eth0", lab.exec("h3", "ip", "route", "show", h4Subnet).strip());
        lab.assertPodsReach(3, 4);
        lab.assertPodsReach(4, 3);
    }

    @Test
    @Order(6)
    void aHostGwPeerOnAnotherSegmentGetsAnErrorOfItsOwn() throws Exception {
        lab.etcdctl("put", HOSTGW_SUBNETS + "10.2.99.0-24", "{\"PublicIP\":\"192.168.9.5\",\"PublicIPv6\":null,\"BackendType\":\"host-gw\"}");
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> lab.agentLog(3).contains(
                "host-gw peer 10.2.99.0/24: cannot route 10.2.99.0/24 via 192.168.9.5: 192.168.9.5 is not on a directly connected network of eth0"));
            lab.assertPodsReach(3, 4);
            lab.assertPodsReach(4, 3);
            assertTrue(lab.exec("h3", "ip", "route", "show", "10.2.99.0/24").isBlank());
            assertFalse(lab.agentLog(3).contains("host-gw peer " + lab.subnet(4).toString() + ":"), "no error for the good peer");
        } finally {
            lab.etcdctl("del", HOSTGW_SUBNETS + "10.2.99.0-24");
        }
    }

    @Test
    @Order(7)
    void aHostGwRouteDeletedByHandIsRestored() throws Exception {
        String h4Subnet = lab.subnet(4).toString();
        lab.exec("h3", "ip", "route", "del", h4Subnet);
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500)).until(() ->
            lab.exec("h3", "ip", "route", "show", h4Subnet).strip().equals(h4Subnet + " via 192.168.0.101 dev eth0"));
        lab.assertPodsReach(3, 4);
    }


}
