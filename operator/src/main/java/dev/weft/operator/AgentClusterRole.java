package dev.weft.operator;

import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.LeaseStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependent;
import java.util.ArrayList;
import java.util.List;

/**
 * What the agent may do, and no more: with the kubernetes store, keep SubnetLeases and read its own
 * OverlayNetwork (and its Node, in podCIDR mode); with the etcd store, nothing (it talks to etcd only).
 */
@KubernetesDependent(informer = @Informer(labelSelector = AgentObjects.MANAGED_SELECTOR))
public class AgentClusterRole extends CRUDKubernetesDependentResource<ClusterRole, OverlayNetwork> {

    public AgentClusterRole() {
        super(ClusterRole.class);
    }

    @Override
    protected ClusterRole desired(OverlayNetwork network, Context<OverlayNetwork> context) {
        return new ClusterRoleBuilder()
            .withMetadata(AgentObjects.metadata(network, null))
            .withRules(rules(network))
            .build();
    }

    static List<PolicyRule> rules(OverlayNetwork network) {
        LeaseStoreSpec store = network.getSpec().leaseStoreOrDefault();
        List<PolicyRule> rules = new ArrayList<>();
        if (!LeaseStoreSpec.KUBERNETES.equals(store.typeOrDefault())) {
            return rules;
        }
        rules.add(new PolicyRuleBuilder().withApiGroups(ApiGroup.NAME).withResources("subnetleases")
            .withVerbs("get", "list", "watch", "create", "update", "delete").build());
        rules.add(new PolicyRuleBuilder().withApiGroups(ApiGroup.NAME).withResources("overlaynetworks")
            .withResourceNames(network.getMetadata().getName()).withVerbs("get").build());
        if (LeaseStoreSpec.POD_CIDR.equals(store.subnetSourceOrDefault())) {
            rules.add(new PolicyRuleBuilder().withApiGroups("").withResources("nodes").withVerbs("get").build());
        }
        return rules;
    }
}
