package dev.weft.operator;

import dev.weft.core.api.OverlayNetwork;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** Binds the agent's ClusterRole to its ServiceAccount. */
@KubernetesDependent(informer = @Informer(labelSelector = AgentObjects.MANAGED_SELECTOR))
public class AgentClusterRoleBinding extends CRUDKubernetesDependentResource<ClusterRoleBinding, OverlayNetwork> {

    public AgentClusterRoleBinding() {
        super(ClusterRoleBinding.class);
    }

    @Override
    protected ClusterRoleBinding desired(OverlayNetwork network, Context<OverlayNetwork> context) {
        return new ClusterRoleBindingBuilder()
            .withMetadata(AgentObjects.metadata(network, null))
            .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", AgentObjects.name(network))
            .addNewSubject().withKind("ServiceAccount").withName(AgentObjects.name(network))
                .withNamespace(AgentObjects.namespace(context)).endSubject()
            .build();
    }
}
