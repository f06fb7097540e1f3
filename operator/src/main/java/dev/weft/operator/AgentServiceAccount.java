package dev.weft.operator;

import dev.weft.core.api.OverlayNetwork;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Constants;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;

/** The identity the agent pods run as. */
@KubernetesDependent(informer = @Informer(namespaces = Constants.WATCH_CURRENT_NAMESPACE, labelSelector = AgentObjects.MANAGED_SELECTOR))
public class AgentServiceAccount extends CRUDKubernetesDependentResource<ServiceAccount, OverlayNetwork> {

    public AgentServiceAccount() {
        super(ServiceAccount.class);
    }

    @Override
    protected ServiceAccount desired(OverlayNetwork network, Context<OverlayNetwork> context) {
        return new ServiceAccountBuilder().withMetadata(AgentObjects.metadata(network, AgentObjects.namespace(context))).build();
    }
}
