package dev.weft.core.api;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn.Type;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One host's lease on one subnet of one network, cluster-scoped. The name is
 * {@code <network>.<subnet with . and / as ->}, so that creating it is the lock on the subnet.
 * Leases of the etcd store appear here too, as mirrors (label {@value ApiGroup#MIRROR_LABEL}).
 */
@Group(ApiGroup.NAME)
@Version(ApiGroup.VERSION)
@ShortNames("sl")
@AdditionalPrinterColumn(name = "Network", jsonPath = ".spec.network", type = Type.STRING)
@AdditionalPrinterColumn(name = "Subnet", jsonPath = ".spec.subnet", type = Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".spec.node", type = Type.STRING)
@AdditionalPrinterColumn(name = "Public-IP", jsonPath = ".spec.publicIP", type = Type.STRING)
@AdditionalPrinterColumn(name = "Backend", jsonPath = ".spec.backend.type", type = Type.STRING)
@AdditionalPrinterColumn(name = "State", jsonPath = ".status.state", type = Type.STRING)
@AdditionalPrinterColumn(name = "Expires", jsonPath = ".spec.expiresAt", type = Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = Type.DATE)
public class SubnetLease extends CustomResource<SubnetLeaseSpec, SubnetLeaseStatus> {

    /** The object name of {@code network}'s lease on {@code subnet}: {@code default.10-244-3-0-24}. */
    public static String nameFor(String network, Cidr subnet) {
        String address = IpAddresses.format(subnet.address()).replace('.', '-').replace(':', '-');
        return network + "." + address + "-" + subnet.prefixLength();
    }
}
