package dev.weft.operator;

import dev.weft.core.api.AgentSpec;
import dev.weft.core.api.EtcdStoreSpec;
import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agent on every Linux node: host network, NET_ADMIN, /dev/net/tun and /run/flannel from the
 * host, the CNI conflist installed by an init container, probes on the agent's /healthz and /readyz.
 * The pod template carries a hash of the network config, so a spec change rolls the agents.
 */
@KubernetesDependent(informer = @Informer(namespaces = Constants.WATCH_CURRENT_NAMESPACE, labelSelector = AgentObjects.MANAGED_SELECTOR))
public class AgentDaemonSet extends CRUDKubernetesDependentResource<DaemonSet, OverlayNetwork> {
    static final String CONFIG_HASH_ANNOTATION = "weft.dev/config-hash";
    static final String CONFIG_DIR = "/etc/weft";
    static final String ETCD_TLS_DIR = "/etc/weft/etcd-tls";

    public AgentDaemonSet() {
        super(DaemonSet.class);
    }

    @Override
    protected DaemonSet desired(OverlayNetwork network, Context<OverlayNetwork> context) {
        return desired(network, AgentObjects.namespace(context));
    }

    static DaemonSet desired(OverlayNetwork network, String namespace) {
        OverlayNetworkSpec spec = network.getSpec();
        AgentSpec agent = spec.agentOrDefault();
        String name = AgentObjects.name(network);
        Map<String, String> nodeSelector = new LinkedHashMap<>();
        nodeSelector.put("kubernetes.io/os", "linux");
        if (agent.getNodeSelector() != null) {
            nodeSelector.putAll(agent.getNodeSelector());
        }
        Map<String, String> podAnnotations = Map.of(CONFIG_HASH_ANNOTATION, configHash(network));
        return new DaemonSetBuilder()
            .withMetadata(AgentObjects.metadata(network, namespace))
            .withNewSpec()
                .withNewSelector().withMatchLabels(AgentObjects.selector(network)).endSelector()
                .withNewUpdateStrategy().withType("RollingUpdate")
                    .withNewRollingUpdate().withMaxUnavailable(new IntOrString(1)).endRollingUpdate()
                .endUpdateStrategy()
                .withNewTemplate()
                    .withNewMetadata().withLabels(AgentObjects.labels(network)).withAnnotations(podAnnotations).endMetadata()
                    .withNewSpec()
                        .withServiceAccountName(name)
                        .withHostNetwork(true)
                        .withDnsPolicy("ClusterFirstWithHostNet")
                        .withPriorityClassName("system-node-critical")
                        .withNodeSelector(nodeSelector)
                        .withTolerations(tolerations(agent))
                        .withInitContainers(installCni(agent))
                        .withContainers(agentContainer(network, spec, agent))
                        .withVolumes(volumes(network, spec))
                    .endSpec()
                .endTemplate()
            .endSpec()
            .build();
    }

    /** The agent's Flannel-style flags for this network. */
    static List<String> args(OverlayNetwork network) {
        OverlayNetworkSpec spec = network.getSpec();
        LeaseStoreSpec store = spec.leaseStoreOrDefault();
        AgentSpec agent = spec.agentOrDefault();
        List<String> args = new ArrayList<>();
        if (LeaseStoreSpec.ETCD.equals(store.typeOrDefault())) {
            EtcdStoreSpec etcd = store.getEtcd();
            args.add("--store=etcd");
            args.add("--etcd-endpoints=" + String.join(",", etcd.getEndpoints()));
            args.add("--etcd-prefix=" + etcd.prefixOrDefault());
            if (etcd.getTlsSecretRef() != null) {
                args.add("--etcd-cafile=" + ETCD_TLS_DIR + "/ca.crt");
                args.add("--etcd-certfile=" + ETCD_TLS_DIR + "/tls.crt");
                args.add("--etcd-keyfile=" + ETCD_TLS_DIR + "/tls.key");
            }
        } else {
            args.add("--store=kubernetes");
            args.add("--network=" + network.getMetadata().getName());
        }
        if (agent.getIface() != null && !agent.getIface().isBlank()) {
            args.add("--iface=" + agent.getIface());
        }
        if (spec.ipMasqOrDefault()) {
            args.add("--ip-masq");
        }
        args.add("--healthz-port=" + agent.healthzPortOrDefault());
        return args;
    }

    private static Container agentContainer(OverlayNetwork network, OverlayNetworkSpec spec, AgentSpec agent) {
        int port = agent.healthzPortOrDefault();
        List<VolumeMount> mounts = new ArrayList<>(List.of(
            mount("run-flannel", "/run/flannel", false),
            mount("dev-net-tun", "/dev/net/tun", false),
            mount("xtables-lock", "/run/xtables.lock", false),
            mount("config", CONFIG_DIR, true)));
        if (hasEtcdTls(spec)) {
            mounts.add(mount("etcd-tls", ETCD_TLS_DIR, true));
        }
        return new ContainerBuilder()
            .withName("agent")
            .withImage(agent.imageOrDefault())
            .withArgs(args(network))
            .withEnv(fieldEnv("NODE_NAME", "spec.nodeName"), fieldEnv("POD_NAMESPACE", "metadata.namespace"))
            .withNewSecurityContext()
                .withPrivileged(false)
                .withNewCapabilities().withAdd("NET_ADMIN", "NET_RAW").endCapabilities()
            .endSecurityContext()
            .withNewResources()
                .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi")))
            .endResources()
            .withLivenessProbe(probe("/healthz", port, 10))
            .withReadinessProbe(probe("/readyz", port, 5))
            .withVolumeMounts(mounts)
            .build();
    }

    /** Copies the conflist from the ConfigMap to the node's CNI config directory before the agent starts. */
    private static Container installCni(AgentSpec agent) {
        return new ContainerBuilder()
            .withName("install-cni")
            .withImage(agent.imageOrDefault())
            .withCommand("cp")
            .withArgs("-f", CONFIG_DIR + "/" + AgentConfigMap.CNI_CONF, "/etc/cni/net.d/10-weft.conflist")
            .withVolumeMounts(mount("cni-conf-dir", "/etc/cni/net.d", false), mount("config", CONFIG_DIR, true))
            .build();
    }

    private static List<Volume> volumes(OverlayNetwork network, OverlayNetworkSpec spec) {
        List<Volume> volumes = new ArrayList<>(List.of(
            hostPath("run-flannel", "/run/flannel", "DirectoryOrCreate"),
            hostPath("dev-net-tun", "/dev/net/tun", "CharDevice"),
            hostPath("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
            hostPath("cni-conf-dir", "/etc/cni/net.d", "DirectoryOrCreate"),
            new VolumeBuilder().withName("config").withNewConfigMap().withName(AgentObjects.name(network)).endConfigMap().build()));
        if (hasEtcdTls(spec)) {
            volumes.add(new VolumeBuilder().withName("etcd-tls").withNewSecret()
                .withSecretName(spec.getLeaseStore().getEtcd().getTlsSecretRef().getName()).endSecret().build());
        }
        return volumes;
    }

    private static List<Toleration> tolerations(AgentSpec agent) {
        if (agent.getTolerations() != null && !agent.getTolerations().isEmpty()) {
            return agent.getTolerations();
        }
        // A network agent must run wherever pods may: tolerate every taint.
        return List.of(new TolerationBuilder().withOperator("Exists").withEffect("NoSchedule").build(),
            new TolerationBuilder().withOperator("Exists").withEffect("NoExecute").build());
    }

    private static boolean hasEtcdTls(OverlayNetworkSpec spec) {
        LeaseStoreSpec store = spec.leaseStoreOrDefault();
        return LeaseStoreSpec.ETCD.equals(store.typeOrDefault()) && store.getEtcd() != null && store.getEtcd().getTlsSecretRef() != null;
    }

    /** A digest of everything the agent reads at start that is not in its arguments. */
    static String configHash(OverlayNetwork network) {
        try {
            var digest = MessageDigest.getInstance("SHA-256");
            new TreeMap<>(AgentConfigMap.data(network)).forEach((k, v) -> {
                digest.update(k.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(v.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
            });
            return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Probe probe(String path, int port, int period) {
        return new ProbeBuilder()
            .withNewHttpGet().withPath(path).withPort(new IntOrString(port)).endHttpGet()
            .withInitialDelaySeconds(5).withPeriodSeconds(period).withFailureThreshold(3)
            .build();
    }

    private static VolumeMount mount(String name, String path, boolean readOnly) {
        // readOnly only when true: the API server drops a false one, and the dependent's matcher would
        // then see a difference on every reconciliation and update forever.
        return new VolumeMountBuilder().withName(name).withMountPath(path).withReadOnly(readOnly ? Boolean.TRUE : null).build();
    }

    private static Volume hostPath(String name, String path, String type) {
        return new VolumeBuilder().withName(name).withNewHostPath().withPath(path).withType(type).endHostPath().build();
    }

    private static EnvVar fieldEnv(String name, String fieldPath) {
        return new EnvVarBuilder().withName(name).withNewValueFrom().withNewFieldRef().withFieldPath(fieldPath).endFieldRef()
            .endValueFrom().build();
    }
}
