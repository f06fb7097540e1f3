package dev.weft.core.api;

import dev.weft.core.config.InvalidConfigException;
import dev.weft.core.config.NetworkConfig;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An OverlayNetwork spec, checked: Flannel's network config (built through
 * {@link NetworkConfig#builder()}, so the rules and their messages are the same as for net-conf.json)
 * and the lease timings. Every failure is an {@link InvalidSpecException} naming the spec field.
 */
public record OverlayNetworkConfig(NetworkConfig network, Duration leaseDuration, Duration renewMargin) {
    private static final Set<String> BACKENDS = Set.of(BackendSpec.UDP, BackendSpec.VXLAN, BackendSpec.HOST_GW);

    public static OverlayNetworkConfig of(OverlayNetworkSpec spec) {
        if (spec == null) {
            throw new InvalidSpecException("spec", "missing");
        }
        BackendSpec backend = spec.backendOrDefault();
        checkBackend(backend);
        NetworkConfig network;
        try {
            network = NetworkConfig.builder()
                .network(spec.getNetwork())
                .subnetLen(spec.getSubnetLength())
                .subnetMin(spec.getSubnetMin())
                .subnetMax(spec.getSubnetMax())
                .enableIpv6(spec.getIpv6Network() != null)
                .ipv6Network(spec.getIpv6Network())
                .ipv6SubnetLen(spec.getIpv6SubnetLength())
                .backendType(backend.typeOrDefault())
                .backendConfig(backendConfig(backend))
                .build();
        } catch (InvalidConfigException e) {
            throw new InvalidSpecException(specField(e.field()), e.getMessage().substring(e.field().length() + 2));
        }
        LeaseStoreSpec store = spec.leaseStoreOrDefault();
        checkStore(store);
        Duration duration = GoDuration.parse("spec.leaseStore.leaseDuration", store.leaseDurationOrDefault());
        Duration margin = GoDuration.parse("spec.leaseStore.renewMargin", store.renewMarginOrDefault());
        if (duration.toSeconds() < 1) {
            throw new InvalidSpecException("spec.leaseStore.leaseDuration", "must be at least 1s, got " + store.leaseDurationOrDefault());
        }
        if (margin.compareTo(duration) >= 0) {
            throw new InvalidSpecException("spec.leaseStore.renewMargin", "must be shorter than leaseDuration ("
                + store.leaseDurationOrDefault() + "), got " + store.renewMarginOrDefault());
        }
        int healthz = spec.agentOrDefault().healthzPortOrDefault();
        if (healthz < 1 || healthz > 65535) {
            throw new InvalidSpecException("spec.agent.healthzPort", "must be a port in 1..65535, got " + healthz);
        }
        return new OverlayNetworkConfig(network, duration, margin);
    }

    /** The backend section in Flannel's spelling, as net-conf.json carries it. */
    static Map<String, Object> backendConfig(BackendSpec backend) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (backend.getVni() != null) {
            out.put("VNI", backend.getVni());
        }
        if (backend.getPort() != null) {
            out.put("Port", backend.getPort());
        }
        if (backend.getMtu() != null) {
            out.put("MTU", backend.getMtu());
        }
        if (backend.getDirectRouting() != null) {
            out.put("DirectRouting", backend.getDirectRouting());
        }
        return out;
    }

    private static void checkBackend(BackendSpec backend) {
        String type = backend.typeOrDefault();
        if (!BACKENDS.contains(type)) {
            throw new InvalidSpecException("spec.backend.type", "unknown backend \"" + type + "\"; expected one of udp, vxlan, host-gw");
        }
        range("spec.backend.port", backend.getPort(), 1, 65535);
        range("spec.backend.vni", backend.getVni(), 0, 16_777_215);
        range("spec.backend.mtu", backend.getMtu(), 68, 65535);
        if (backend.getVni() != null && !type.equals(BackendSpec.VXLAN)) {
            throw new InvalidSpecException("spec.backend.vni", "applies to the vxlan backend only, not " + type);
        }
        if (backend.getDirectRouting() != null && !type.equals(BackendSpec.VXLAN)) {
            throw new InvalidSpecException("spec.backend.directRouting", "applies to the vxlan backend only, not " + type);
        }
        if (backend.getPort() != null && type.equals(BackendSpec.HOST_GW)) {
            throw new InvalidSpecException("spec.backend.port", "does not apply to the host-gw backend");
        }
    }

    private static void checkStore(LeaseStoreSpec store) {
        String type = store.typeOrDefault();
        if (!type.equals(LeaseStoreSpec.KUBERNETES) && !type.equals(LeaseStoreSpec.ETCD)) {
            throw new InvalidSpecException("spec.leaseStore.type", "unknown lease store \"" + type + "\"; expected kubernetes or etcd");
        }
        String source = store.subnetSourceOrDefault();
        if (!source.equals(LeaseStoreSpec.ALLOCATE) && !source.equals(LeaseStoreSpec.POD_CIDR)) {
            throw new InvalidSpecException("spec.leaseStore.subnetSource", "unknown subnet source \"" + source + "\"; expected allocate or podCIDR");
        }
        if (source.equals(LeaseStoreSpec.POD_CIDR) && !type.equals(LeaseStoreSpec.KUBERNETES)) {
            throw new InvalidSpecException("spec.leaseStore.subnetSource", "podCIDR needs leaseStore.type kubernetes, not " + type);
        }
        if (!type.equals(LeaseStoreSpec.ETCD)) {
            return;
        }
        EtcdStoreSpec etcd = store.getEtcd();
        if (etcd == null || etcd.getEndpoints() == null || etcd.getEndpoints().isEmpty()) {
            throw new InvalidSpecException("spec.leaseStore.etcd.endpoints", "at least one endpoint is required with the etcd store");
        }
        for (int i = 0; i < etcd.getEndpoints().size(); i++) {
            String endpoint = etcd.getEndpoints().get(i);
            if (!isEndpoint(endpoint)) {
                throw new InvalidSpecException("spec.leaseStore.etcd.endpoints[" + i + "]",
                    "expected a URL like https://10.0.0.1:2379, got \"" + endpoint + "\"");
            }
        }
        String prefix = etcd.prefixOrDefault();
        if (!prefix.startsWith("/") || prefix.endsWith("/")) {
            throw new InvalidSpecException("spec.leaseStore.etcd.prefix", "must start with / and not end with /, got \"" + prefix + "\"");
        }
        if (etcd.getTlsSecretRef() != null && (etcd.getTlsSecretRef().getName() == null || etcd.getTlsSecretRef().getName().isBlank())) {
            throw new InvalidSpecException("spec.leaseStore.etcd.tlsSecretRef.name", "missing");
        }
    }

    private static boolean isEndpoint(String text) {
        try {
            URI uri = URI.create(text);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null && uri.getPort() > 0;
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    private static void range(String field, Integer value, int min, int max) {
        if (value != null && (value < min || value > max)) {
            throw new InvalidSpecException(field, "must be in " + min + ".." + max + ", got " + value);
        }
    }

    /** Flannel's field name, as NetworkConfig.Builder reports it, to the OverlayNetwork field. */
    private static String specField(String flannelField) {
        return switch (flannelField) {
            case "Network", "EnableIPv4" -> "spec.network";
            case "SubnetLen" -> "spec.subnetLength";
            case "SubnetMin" -> "spec.subnetMin";
            case "SubnetMax" -> "spec.subnetMax";
            case "IPv6Network", "IPv6SubnetMin", "IPv6SubnetMax" -> "spec.ipv6Network";
            case "IPv6SubnetLen" -> "spec.ipv6SubnetLength";
            case "Backend.Type", "Backend" -> "spec.backend.type";
            default -> "spec";
        };
    }
}
