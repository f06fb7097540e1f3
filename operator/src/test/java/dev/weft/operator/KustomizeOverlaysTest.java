package dev.weft.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkConfig;
import dev.weft.core.api.OverlayNetworkSpec;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Builds every kustomization with {@code kubectl kustomize} and checks the objects it yields.
 * kubectl must be on PATH (no registry reachable here ships a kubectl with kustomize v5: Debian's is
 * 1.20); without it the test is skipped with a message, and .ci/run says so loudly.
 */
class KustomizeOverlaysTest {
    private static final Path KUSTOMIZE = Path.of("..", "kustomize");

    /** The objects {@code kubectl kustomize dir} yields. */
    private static List<GenericKubernetesResource> build(String dir) throws IOException, InterruptedException {
        Optional<Path> kubectl = kubectl();
        if (kubectl.isEmpty()) {
            Assumptions.abort("kubectl is not on PATH: the kustomize overlays were not built");
        }
        Process process = new ProcessBuilder(kubectl.get().toString(), "kustomize", KUSTOMIZE.resolve(dir).toString())
            .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "kubectl kustomize " + dir + " did not finish");
        assertEquals(0, process.exitValue(), "kubectl kustomize " + dir + " failed:\n" + out);
        List<GenericKubernetesResource> objects = new ArrayList<>();
        for (String doc : out.split("(?m)^---$")) {
            if (!doc.isBlank()) {
                objects.add(Serialization.unmarshal(doc, GenericKubernetesResource.class));
            }
        }
        return objects;
    }

    private static Optional<Path> kubectl() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "kubectl");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static <T> T one(List<GenericKubernetesResource> objects, String kind, String name, Class<T> type) {
        List<GenericKubernetesResource> found = objects.stream()
            .filter(o -> o.getKind().equals(kind) && o.getMetadata().getName().equals(name)).toList();
        assertEquals(1, found.size(), "one " + kind + " " + name);
        return Serialization.unmarshal(Serialization.asJson(found.get(0)), type);
    }

    private static void assertOperatorInstalled(List<GenericKubernetesResource> objects) {
        one(objects, "Namespace", "weft-system", GenericKubernetesResource.class);
        one(objects, "CustomResourceDefinition", "overlaynetworks.weft.dev", GenericKubernetesResource.class);
        one(objects, "CustomResourceDefinition", "subnetleases.weft.dev", GenericKubernetesResource.class);
        one(objects, "ServiceAccount", "weft-operator", GenericKubernetesResource.class);
        Deployment deployment = one(objects, "Deployment", "weft-operator", Deployment.class);
        assertEquals("weft-operator", deployment.getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(1, deployment.getSpec().getReplicas());
        for (GenericKubernetesResource o : objects) {
            boolean clusterScoped = List.of("Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "OverlayNetwork")
                .contains(o.getKind());
            if (!clusterScoped) {
                assertEquals("weft-system", o.getMetadata().getNamespace(), o.getKind() + " " + o.getMetadata().getName());
            }
        }
        ClusterRole clusterRole = one(objects, "ClusterRole", "weft-operator", ClusterRole.class);
        Role role = one(objects, "Role", "weft-operator", Role.class);
        for (PolicyRule rule : concat(clusterRole.getRules(), role.getRules())) {
            assertFalse(rule.getVerbs().contains("*") || rule.getResources().contains("*") || rule.getApiGroups().contains("*"),
                "least privilege: no wildcards in " + rule);
        }
        one(objects, "ClusterRoleBinding", "weft-operator", GenericKubernetesResource.class);
        one(objects, "RoleBinding", "weft-operator", GenericKubernetesResource.class);
    }

    private static List<PolicyRule> concat(List<PolicyRule> a, List<PolicyRule> b) {
        List<PolicyRule> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static OverlayNetwork network(List<GenericKubernetesResource> objects) {
        List<GenericKubernetesResource> networks = objects.stream().filter(o -> o.getKind().equals("OverlayNetwork")).toList();
        assertEquals(1, networks.size());
        OverlayNetwork network = Serialization.unmarshal(Serialization.asJson(networks.get(0)), OverlayNetwork.class);
        OverlayNetworkConfig.of(network.getSpec()); // valid, or this throws naming the field
        return network;
    }

    @Test
    void baseInstallsTheOperatorWithCrdsAndNoNetwork() throws Exception {
        var objects = build("base");
        assertOperatorInstalled(objects);
        assertTrue(objects.stream().noneMatch(o -> o.getKind().equals("OverlayNetwork")));
    }

    @Test
    void theOperatorMayGrantEveryRightAnAgentGets() throws Exception {
        // Kubernetes refuses to let the operator create a ClusterRole with rights it does not hold itself.
        ClusterRole operator = one(build("base"), "ClusterRole", "weft-operator", ClusterRole.class);
        var network = new OverlayNetwork();
        network.setMetadata(new ObjectMetaBuilder().withName("n").build());
        var spec = new OverlayNetworkSpec();
        spec.setNetwork("10.0.0.0/16");
        var store = new LeaseStoreSpec();
        store.setSubnetSource(LeaseStoreSpec.POD_CIDR);
        spec.setLeaseStore(store);
        network.setSpec(spec);
        for (PolicyRule agentRule : AgentClusterRole.rules(network)) {
            for (String resource : agentRule.getResources()) {
                for (String verb : agentRule.getVerbs()) {
                    assertTrue(operator.getRules().stream().anyMatch(r -> r.getApiGroups().containsAll(agentRule.getApiGroups())
                            && r.getResources().contains(resource) && r.getVerbs().contains(verb)),
                        "the operator holds " + verb + " on " + resource);
                }
            }
        }
    }

    @Test
    void kubernetesStoreOverlayAddsANetworkOnSubnetLeases() throws Exception {
        var objects = build("overlays/kubernetes-store");
        assertOperatorInstalled(objects);
        OverlayNetwork network = network(objects);
        assertEquals("kubernetes", network.getSpec().leaseStoreOrDefault().typeOrDefault());
    }

    @Test
    void etcdStoreOverlayAddsANetworkOnEtcdWithItsTlsSecret() throws Exception {
        var objects = build("overlays/etcd-store");
        assertOperatorInstalled(objects);
        OverlayNetwork network = network(objects);
        var store = network.getSpec().leaseStoreOrDefault();
        assertEquals("etcd", store.typeOrDefault());
        assertNotNull(store.getEtcd().getTlsSecretRef());
        assertEquals("etcd-client-tls", store.getEtcd().getTlsSecretRef().getName());
        assertFalse(store.getEtcd().getEndpoints().isEmpty());
    }

    @Test
    void devOverlayRunsALocalImageWithShortLeases() throws Exception {
        var objects = build("overlays/dev");
        assertOperatorInstalled(objects);
        Deployment deployment = one(objects, "Deployment", "weft-operator", Deployment.class);
        var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertEquals("weft-operator:dev", container.getImage());
        assertTrue(container.getEnv().stream().anyMatch(e -> e.getName().equals("WEFT_LEASE_EXPIRY_GRACE") && e.getValue().equals("30s")));
        OverlayNetwork network = network(objects);
        assertEquals("udp", network.getSpec().backendOrDefault().typeOrDefault());
        assertEquals("10m", network.getSpec().getLeaseStore().getLeaseDuration());
    }
}
