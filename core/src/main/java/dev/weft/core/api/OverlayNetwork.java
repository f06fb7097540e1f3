package dev.weft.core.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One overlay network, cluster-scoped: its address plan, backend and lease store, and how the
 * agent is rolled out. The operator reconciles it into the agent DaemonSet and its RBAC.
 */
@Group(ApiGroup.NAME)
@Version(ApiGroup.VERSION)
@ShortNames("onet")
@AdditionalPrinterColumn(name = "Network", jsonPath = ".spec.network", type = Type.STRING)
@AdditionalPrinterColumn(name = "Backend", jsonPath = ".spec.backend.type", type = Type.STRING)
@AdditionalPrinterColumn(name = "Store", jsonPath = ".spec.leaseStore.type", type = Type.STRING)
@AdditionalPrinterColumn(name = "Leased", jsonPath = ".status.subnets.leased", type = Type.INTEGER)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class OverlayNetwork extends CustomResource<OverlayNetworkSpec, OverlayNetworkStatus> {
}
