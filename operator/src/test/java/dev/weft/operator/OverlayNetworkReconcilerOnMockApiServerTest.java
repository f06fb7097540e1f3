package dev.weft.operator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.BackendSpec;
import dev.weft.core.api.EtcdStoreSpec;
import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkSpec;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseSpec;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.net.Cidr;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The OverlayNetwork reconciler against fabric8's mock API server in CRUD mode (no real API server runs here). */
@QuarkusTest
@WithKubernetesTestServer(crud = true)
class OverlayNetworkReconcilerOnMockApiServerTest {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Inject
    KubernetesClient client;

    /** A valid network with its own /16, so tests never overlap each other. */
    private OverlayNetwork network(Consumer<OverlayNetworkSpec> change) {
        int n = NEXT.incrementAndGet();
        var spec = new OverlayNetworkSpec();
        spec.setNetwork("10." + (100 + n) + ".0.0/16");
        change.accept(spec);
        var network = new OverlayNetwork();
        network.setMetadata(new ObjectMetaBuilder().withName("onet" + n).build());
        network.setSpec(spec);
        return client.resource(network).create();
    }

    private String namespace() {
        return client.getNamespace();
    }

    private DaemonSet daemonSet(OverlayNetwork network) {
        return client.apps().daemonSets().inNamespace(namespace()).withName("weft-agent-" + network.getMetadata().getName()).get();
    }

    private OverlayNetwork fresh(OverlayNetwork network) {
        return client.resources(OverlayNetwork.class).withName(network.getMetadata().getName()).get();
    }

    private Condition condition(OverlayNetwork network, String type) {
        OverlayNetwork current = fresh(network);
        return current == null || current.getStatus() == null ? null : current.getStatus().condition(type);
    }

    private static void assertOwnedBy(OverlayNetwork network, HasMetadata dependent) {
        var owners = dependent.getMetadata().getOwnerReferences();
        assertEquals(1, owners.size(), dependent.getKind() + " has one owner");
        assertEquals(network.getMetadata().getUid(), owners.get(0).getUid());
        assertEquals("OverlayNetwork", owners.get(0).getKind());
    }

    @Test
    void aValidNetworkGetsTheAgentDaemonSetConfigMapAndRbac() throws Exception {
        OverlayNetwork network = network(s -> {
            var backend = new BackendSpec();
            backend.setType("vxlan");
            backend.setVni(7);
            s.setBackend(backend);
        });
        String name = "weft-agent-" + network.getMetadata().getName();
        await().atMost(WAIT).until(() -> daemonSet(network) != null);

        DaemonSet ds = daemonSet(network);
        var pod = ds.getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostNetwork());
        assertEquals(name, pod.getServiceAccountName());
        assertEquals("linux", pod.getNodeSelector().get("kubernetes.io/os"));
        assertTrue(pod.getTolerations().stream().anyMatch(t -> "Exists".equals(t.getOperator()) && "NoSchedule".equals(t.getEffect())));
        Container agent = pod.getContainers().get(0);
        assertEquals("ghcr.io/weft-dev/weft-agent:0.1.0", agent.getImage());
        assertTrue(agent.getArgs().containsAll(List.of("--store=kubernetes", "--network=" + network.getMetadata().getName(),
            "--ip-masq", "--healthz-port=8471")), agent.getArgs().toString());
        assertTrue(agent.getSecurityContext().getCapabilities().getAdd().contains("NET_ADMIN"));
        assertEquals("spec.nodeName", agent.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst()
            .orElseThrow().getValueFrom().getFieldRef().getFieldPath());
        assertEquals("/healthz", agent.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/readyz", agent.getReadinessProbe().getHttpGet().getPath());
        assertEquals(8471, agent.getReadinessProbe().getHttpGet().getPort().getIntVal());
        Map<String, String> hostPaths = pod.getVolumes().stream().filter(v -> v.getHostPath() != null)
            .collect(java.util.stream.Collectors.toMap(Volume::getName, v -> v.getHostPath().getPath()));
        assertEquals("/dev/net/tun", hostPaths.get("dev-net-tun"));
        assertEquals("/run/flannel", hostPaths.get("run-flannel"));
        assertEquals("/etc/cni/net.d", hostPaths.get("cni-conf-dir"));
        assertTrue(agent.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/dev/net/tun")));
        assertEquals("install-cni", pod.getInitContainers().get(0).getName());
        assertOwnedBy(network, ds);

        ConfigMap cm = client.configMaps().inNamespace(namespace()).withName(name).get();
        var netConf = NetworkConfigJson.parse(cm.getData().get("net-conf.json"));
        assertEquals(Cidr.parse(network.getSpec().getNetwork()), netConf.network());
        assertEquals("vxlan", netConf.backendType());
        assertEquals(7, netConf.backendValue("VNI"));
        assertEquals(Files.readString(Path.of("..", "config", "cni", "10-weft.conflist")), cm.getData().get("cni-conf.json"));
        assertOwnedBy(network, cm);

        ServiceAccount sa = client.serviceAccounts().inNamespace(namespace()).withName(name).get();
        assertOwnedBy(network, sa);
        ClusterRole role = client.rbac().clusterRoles().withName(name).get();
        PolicyRule leases = role.getRules().stream().filter(r -> r.getResources().contains("subnetleases")).findFirst().orElseThrow();
        assertEquals(List.of("weft.dev"), leases.getApiGroups());
        assertFalse(leases.getVerbs().contains("*"));
        PolicyRule networks = role.getRules().stream().filter(r -> r.getResources().contains("overlaynetworks")).findFirst().orElseThrow();
        assertEquals(List.of(network.getMetadata().getName()), networks.getResourceNames());
        assertEquals(List.of("get"), networks.getVerbs());
        assertTrue(role.getRules().stream().noneMatch(r -> r.getResources().contains("nodes")), "nodes only in podCIDR mode");
        assertOwnedBy(network, role);
        ClusterRoleBinding binding = client.rbac().clusterRoleBindings().withName(name).get();
        assertEquals(name, binding.getRoleRef().getName());
        assertEquals(namespace(), binding.getSubjects().get(0).getNamespace());
        assertOwnedBy(network, binding);
    }

    @Test
    void statusFillsInFromTheDaemonSetAndTheLeases() {
        OverlayNetwork network = network(s -> { });
        await().atMost(WAIT).until(() -> daemonSet(network) != null);
        await().atMost(WAIT).until(() -> fresh(network).getStatus() != null && fresh(network).getStatus().getSubnets() != null);
        var status = fresh(network).getStatus();
        assertEquals(1L, status.getObservedGeneration());
        assertEquals(255L, status.getSubnets().getCapacity());
        assertEquals(0, status.getSubnets().getLeased());
        assertEquals("False", status.condition("Ready").getStatus());
        assertEquals("False", status.condition("Degraded").getStatus());

        // What the DaemonSet controller and two agents would do:
        DaemonSet ds = daemonSet(network);
        ds.setStatus(new DaemonSetStatusBuilder().withDesiredNumberScheduled(3).withCurrentNumberScheduled(3)
            .withNumberReady(3).withUpdatedNumberScheduled(3).withNumberAvailable(3)
            .withObservedGeneration(ds.getMetadata().getGeneration()).build());
        client.resource(ds).updateStatus();
        for (String subnet : List.of("1", "2")) {
            var lease = new SubnetLease();
            String cidr = network.getSpec().getNetwork().replace(".0.0/16", "." + subnet + ".0/24");
            lease.setMetadata(new ObjectMetaBuilder().withName(SubnetLease.nameFor(network.getMetadata().getName(), Cidr.parse(cidr)))
                .addToLabels(ApiGroup.NETWORK_LABEL, network.getMetadata().getName()).build());
            var spec = new SubnetLeaseSpec();
            spec.setNetwork(network.getMetadata().getName());
            spec.setSubnet(cidr);
            spec.setPublicIP("192.168.9." + subnet);
            spec.setExpiresAt(java.time.Instant.now().plus(Duration.ofHours(1)).toString());
            lease.setSpec(spec);
            client.resource(lease).create();
        }

        await().atMost(WAIT).untilAsserted(() -> {
            var s = fresh(network).getStatus();
            assertEquals("True", s.condition("Ready").getStatus(), s.condition("Ready").getMessage());
            assertEquals(3, s.getAgents().getDesired());
            assertEquals(3, s.getAgents().getReady());
            assertEquals(2, s.getSubnets().getLeased());
            assertEquals("False", s.condition("Progressing").getStatus());
        });
    }

    @Test
    void aSpecChangeRollsTheDaemonSet() {
        OverlayNetwork network = network(s -> { });
        await().atMost(WAIT).until(() -> daemonSet(network) != null);
        DaemonSet before = daemonSet(network);
        String hashBefore = before.getSpec().getTemplate().getMetadata().getAnnotations().get(AgentDaemonSet.CONFIG_HASH_ANNOTATION);

        client.resources(OverlayNetwork.class).withName(network.getMetadata().getName()).edit(n -> {
            n.getSpec().setSubnetLength(26);
            n.getSpec().setIpMasq(false);
            return n;
        });

        await().atMost(WAIT).untilAsserted(() -> {
            DaemonSet after = daemonSet(network);
            assertNotEquals(hashBefore, after.getSpec().getTemplate().getMetadata().getAnnotations().get(AgentDaemonSet.CONFIG_HASH_ANNOTATION));
            assertFalse(after.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs().contains("--ip-masq"));
            assertTrue(after.getMetadata().getGeneration() > before.getMetadata().getGeneration());
            ConfigMap cm = client.configMaps().inNamespace(namespace()).withName("weft-agent-" + network.getMetadata().getName()).get();
            assertEquals(26, NetworkConfigJson.parse(cm.getData().get("net-conf.json")).subnetLen());
        });
        assertEquals("RollingUpdate", daemonSet(network).getSpec().getUpdateStrategy().getType());
    }

    @Test
    void fieldsTheApiServerDefaultsAreLeftAloneSoTheAgentsAreNotRolledForNothing() throws Exception {
        OverlayNetwork network = network(s -> { });
        await().atMost(WAIT).until(() -> daemonSet(network) != null);
        DaemonSet ds = daemonSet(network);
        assertTrue(ds.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().stream()
            .noneMatch(m -> Boolean.FALSE.equals(m.getReadOnly())), "no readOnly: false, which the API server would drop");
        // What the API server adds on its own:
        client.apps().daemonSets().inNamespace(namespace()).withName(ds.getMetadata().getName()).edit(d -> {
            d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> {
                c.setImagePullPolicy("IfNotPresent");
                c.setTerminationMessagePath("/dev/termination-log");
            });
            d.getSpec().setRevisionHistoryLimit(10);
            return d;
        });
        long generation = daemonSet(network).getMetadata().getGeneration();

        // Reconcile again (a lease event does it) and give the operator time to act.
        var lease = new SubnetLease();
        String cidr = network.getSpec().getNetwork().replace(".0.0/16", ".3.0/24");
        lease.setMetadata(new ObjectMetaBuilder().withName(SubnetLease.nameFor(network.getMetadata().getName(), Cidr.parse(cidr)))
            .addToLabels(ApiGroup.NETWORK_LABEL, network.getMetadata().getName()).build());
        var spec = new SubnetLeaseSpec();
        spec.setNetwork(network.getMetadata().getName());
        spec.setSubnet(cidr);
        spec.setPublicIP("192.168.9.3");
        lease.setSpec(spec);
        client.resource(lease).create();
        await().atMost(WAIT).until(() -> fresh(network).getStatus().getSubnets().getLeased() == 1);
        Thread.sleep(500);

        DaemonSet after = daemonSet(network);
        assertEquals(generation, after.getMetadata().getGeneration(), "the DaemonSet was not rewritten");
        assertEquals("IfNotPresent", after.getSpec().getTemplate().getSpec().getContainers().get(0).getImagePullPolicy());
    }

    static Stream<Arguments> invalidSpecs() {
        return Stream.of(
            Arguments.of("a bad CIDR", (Consumer<OverlayNetworkSpec>) s -> s.setNetwork("10.300.0.0/16"), "spec.network"),
            Arguments.of("subnetLength out of range", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetLength(31), "spec.subnetLength"),
            Arguments.of("subnetMin outside the network", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetMin("192.168.0.0"), "spec.subnetMin"),
            Arguments.of("subnetMax misaligned", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetMax(s.getNetwork().replace(".0.0/16", ".20.9")), "spec.subnetMax"),
            Arguments.of("an unknown backend", (Consumer<OverlayNetworkSpec>) s -> {
                var b = new BackendSpec();
                b.setType("wireguard");
                s.setBackend(b);
            }, "spec.backend.type"),
            Arguments.of("a port out of range", (Consumer<OverlayNetworkSpec>) s -> {
                var b = new BackendSpec();
                b.setType("udp");
                b.setPort(70000);
                s.setBackend(b);
            }, "spec.backend.port"),
            Arguments.of("etcd without endpoints", (Consumer<OverlayNetworkSpec>) s -> {
                var l = new LeaseStoreSpec();
                l.setType("etcd");
                s.setLeaseStore(l);
            }, "spec.leaseStore.etcd.endpoints"),
            Arguments.of("renewMargin not below leaseDuration", (Consumer<OverlayNetworkSpec>) s -> {
                var l = new LeaseStoreSpec();
                l.setLeaseDuration("1h");
                l.setRenewMargin("1h");
                s.setLeaseStore(l);
            }, "spec.leaseStore.renewMargin"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void anInvalidSpecSaysWhichFieldAndDeploysNothing(String what, Consumer<OverlayNetworkSpec> change, String field) {
        OverlayNetwork network = network(change);
        assertInvalid(network, field);
    }

    @Test
    void aNetworkOverlappingAnOlderOneIsInvalidAndTheOlderOneKeepsWorking() throws Exception {
        OverlayNetwork older = network(s -> { });
        await().atMost(WAIT).until(() -> daemonSet(older) != null);
        Thread.sleep(1100); // creation timestamps have one-second resolution
        OverlayNetwork newer = network(s -> s.setNetwork(older.getSpec().getNetwork().replace(".0.0/16", ".128.0/17")));
        Condition ready = assertInvalid(newer, "spec.network");
        assertTrue(ready.getMessage().contains(older.getMetadata().getName()), ready.getMessage());
        assertNotNull(daemonSet(older));
    }

    private Condition assertInvalid(OverlayNetwork network, String field) {
        await().atMost(WAIT).until(() -> condition(network, "Ready") != null);
        Condition ready = condition(network, "Ready");
        assertEquals("False", ready.getStatus());
        assertEquals("InvalidSpec", ready.getReason());
        assertTrue(ready.getMessage().startsWith(field + ":"), ready.getMessage());
        assertEquals("True", condition(network, "Degraded").getStatus());
        String name = "weft-agent-" + network.getMetadata().getName();
        assertNull(daemonSet(network), "no DaemonSet for an invalid spec");
        assertNull(client.configMaps().inNamespace(namespace()).withName(name).get());
        assertNull(client.serviceAccounts().inNamespace(namespace()).withName(name).get());
        assertNull(client.rbac().clusterRoles().withName(name).get());
        assertNull(client.rbac().clusterRoleBindings().withName(name).get());
        return ready;
    }

    @Test
    void theEtcdStoreGetsEtcdFlagsTheTlsSecretAndNoKubernetesRights() {
        OverlayNetwork network = network(s -> {
            var etcd = new EtcdStoreSpec();
            // Loopback only, and nothing listens there: the operator must not reach any other address.
            etcd.setEndpoints(List.of("https://127.0.0.1:1", "https://127.0.0.2:1"));
            etcd.setTlsSecretRef(new EtcdStoreSpec.SecretRef("etcd-client-tls"));
            var store = new LeaseStoreSpec();
            store.setType("etcd");
            store.setEtcd(etcd);
            s.setLeaseStore(store);
        });
        await().atMost(WAIT).until(() -> daemonSet(network) != null);
        var pod = daemonSet(network).getSpec().getTemplate().getSpec();
        assertTrue(pod.getContainers().get(0).getArgs().containsAll(List.of("--store=etcd",
            "--etcd-endpoints=https://127.0.0.1:1,https://127.0.0.2:1", "--etcd-prefix=/coreos.com/network",
            "--etcd-cafile=/etc/weft/etcd-tls/ca.crt", "--etcd-certfile=/etc/weft/etcd-tls/tls.crt",
            "--etcd-keyfile=/etc/weft/etcd-tls/tls.key")), pod.getContainers().get(0).getArgs().toString());
        assertEquals("etcd-client-tls", pod.getVolumes().stream().filter(v -> v.getName().equals("etcd-tls")).findFirst()
            .orElseThrow().getSecret().getSecretName());
        await().atMost(WAIT).until(() -> client.rbac().clusterRoles().withName("weft-agent-" + network.getMetadata().getName()).get() != null);
        assertTrue(client.rbac().clusterRoles().withName("weft-agent-" + network.getMetadata().getName()).get().getRules().isEmpty());
        // The operator cannot reach etcd without the Secret, and says so.
        await().atMost(WAIT).until(() -> condition(network, "Degraded") != null
            && "EtcdUnreachable".equals(condition(network, "Degraded").getReason()));
        assertTrue(condition(network, "Degraded").getMessage().contains("etcd-client-tls"), condition(network, "Degraded").getMessage());
    }

    @Test
    void deletingTheNetworkRemovesEverythingItDeployed() {
        OverlayNetwork network = network(s -> { });
        String name = "weft-agent-" + network.getMetadata().getName();
        await().atMost(WAIT).until(() -> daemonSet(network) != null
            && client.rbac().clusterRoleBindings().withName(name).get() != null);

        client.resources(OverlayNetwork.class).withName(network.getMetadata().getName()).delete();

        await().atMost(WAIT).untilAsserted(() -> {
            assertNull(fresh(network));
            assertNull(daemonSet(network));
            assertNull(client.configMaps().inNamespace(namespace()).withName(name).get());
            assertNull(client.serviceAccounts().inNamespace(namespace()).withName(name).get());
            assertNull(client.rbac().clusterRoles().withName(name).get());
            assertNull(client.rbac().clusterRoleBindings().withName(name).get());
        });
    }
}
