package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Where leases live and how long they last. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "self.type != 'etcd' || has(self.etcd)", message = "leaseStore.etcd is required when leaseStore.type is etcd")
@ValidationRule(value = "self.type == 'kubernetes' || self.subnetSource == 'allocate'",
    message = "subnetSource podCIDR needs leaseStore.type kubernetes")
public class LeaseStoreSpec {
    public static final String KUBERNETES = "kubernetes";
    public static final String ETCD = "etcd";
    public static final String ALLOCATE = "allocate";
    public static final String POD_CIDR = "podCIDR";

    @Default(KUBERNETES)
    @Pattern(Patterns.STORE)
    @JsonPropertyDescription("kubernetes (SubnetLease objects) or etcd (Flannel's layout, shared with flanneld).")
    private String type;

    @Default(ALLOCATE)
    @Pattern("^(allocate|podCIDR)$")
    @JsonPropertyDescription("allocate: each agent leases a free subnet; podCIDR: each agent publishes its Node's spec.podCIDR "
        + "(Flannel's kube subnet manager; kubernetes store only).")
    private String subnetSource;

    @Default("24h")
    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("How long a lease lives without renewal.")
    private String leaseDuration;

    @Default("1h")
    @Pattern(Patterns.DURATION)
    @JsonPropertyDescription("Renew when a lease has less than this left.")
    private String renewMargin;

    @JsonPropertyDescription("The etcd cluster, when type is etcd.")
    private EtcdStoreSpec etcd;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public String getSubnetSource() { return subnetSource; }
    public void setSubnetSource(String subnetSource) { this.subnetSource = subnetSource; }
    public String getLeaseDuration() { return leaseDuration; }
    public void setLeaseDuration(String leaseDuration) { this.leaseDuration = leaseDuration; }
    public String getRenewMargin() { return renewMargin; }
    public void setRenewMargin(String renewMargin) { this.renewMargin = renewMargin; }
    public EtcdStoreSpec getEtcd() { return etcd; }
    public void setEtcd(EtcdStoreSpec etcd) { this.etcd = etcd; }

    public String typeOrDefault() {
        return type == null ? KUBERNETES : type;
    }

    public String subnetSourceOrDefault() {
        return subnetSource == null ? ALLOCATE : subnetSource;
    }

    public String leaseDurationOrDefault() {
        return leaseDuration == null ? "24h" : leaseDuration;
    }

    public String renewMarginOrDefault() {
        return renewMargin == null ? "1h" : renewMargin;
    }
}
