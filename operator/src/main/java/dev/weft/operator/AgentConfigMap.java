package dev.weft.operator;

import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkConfig;
import dev.weft.core.config.NetworkConfigJson;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The network config in Flannel's net-conf.json form, and the CNI conflist the agent pods install
 * on their node (config/cni/10-weft.conflist).
 */
@KubernetesDependent(informer = @Informer(namespaces = Constants.WATCH_CURRENT_NAMESPACE, labelSelector = AgentObjects.MANAGED_SELECTOR))
public class AgentConfigMap extends CRUDKubernetesDependentResource<ConfigMap, OverlayNetwork> {
    static final String NET_CONF = "net-conf.json";
    static final String CNI_CONF = "cni-conf.json";
    static final String CNI_CONFLIST = readConflist();

    public AgentConfigMap() {
        super(ConfigMap.class);
    }

    @Override
    protected ConfigMap desired(OverlayNetwork network, Context<OverlayNetwork> context) {
        return new ConfigMapBuilder()
            .withMetadata(AgentObjects.metadata(network, AgentObjects.namespace(context)))
            .withData(data(network))
            .build();
    }

    static Map<String, String> data(OverlayNetwork network) {
        var config = OverlayNetworkConfig.of(network.getSpec());
        return Map.of(NET_CONF, NetworkConfigJson.write(config.network()), CNI_CONF, CNI_CONFLIST);
    }

    private static String readConflist() {
        try (InputStream in = AgentConfigMap.class.getResourceAsStream("/weft/10-weft.conflist")) {
            if (in == null) {
                throw new IllegalStateException("weft/10-weft.conflist is missing from the operator's resources");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
