package dev.weft.operator;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.OverlayNetwork;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** Names and labels of the objects the operator deploys for one OverlayNetwork. */
final class AgentObjects {
    static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    static final String MANAGED_BY = "weft-operator";
    /** Informers of the dependents cache only what the operator made. */
    static final String MANAGED_SELECTOR = MANAGED_BY_LABEL + "=" + MANAGED_BY;
    static final String DEFAULT_NAMESPACE = "weft-system";

    private AgentObjects() {
    }

    /** Every object of a network has this name: {@code weft-agent-<network>}. */
    static String name(OverlayNetwork network) {
        return "weft-agent-" + network.getMetadata().getName();
    }

    /** Agents run in the operator's own namespace (the client's, in a pod: the service account's). */
    static String namespace(Context<?> context) {
        String namespace = context.getClient().getNamespace();
        return namespace == null || namespace.isBlank() ? DEFAULT_NAMESPACE : namespace;
    }

    /** The labels that select a network's agent pods. */
    static Map<String, String> selector(OverlayNetwork network) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("app.kubernetes.io/name", "weft-agent");
        labels.put(ApiGroup.NETWORK_LABEL, network.getMetadata().getName());
        return labels;
    }

    static Map<String, String> labels(OverlayNetwork network) {
        Map<String, String> labels = selector(network);
        labels.put("app.kubernetes.io/instance", network.getMetadata().getName());
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        return labels;
    }

    /** Metadata of a namespaced object; {@code namespace} null for a cluster-scoped one. */
    static ObjectMeta metadata(OverlayNetwork network, String namespace) {
        return new ObjectMetaBuilder()
            .withName(name(network))
            .withNamespace(namespace)
            .withLabels(labels(network))
            .build();
    }
}
