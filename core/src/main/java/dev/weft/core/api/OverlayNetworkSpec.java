package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The desired overlay network: Flannel's network config plus how the agent is rolled out. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.ipv6Network) || !has(self.ipv6SubnetLength)",
    message = "ipv6SubnetLength needs ipv6Network")
@ValidationRule(value = "!has(self.subnetLength) || int(self.network.split('/')[1]) + 2 <= self.subnetLength",
    message = "subnetLength must leave room for at least four subnets in network")
public class OverlayNetworkSpec {

    @Required
    @Pattern(Patterns.IPV4_CIDR)
    @Size(max = 18) // bounds the CEL rule's cost estimate
    @JsonPropertyDescription("The whole overlay, an IPv4 CIDR (Flannel's Network), e.g. 10.244.0.0/16.")
    private String network;

    @Min(1)
    @Max(30)
    @JsonPropertyDescription("Prefix length of each host's subnet (SubnetLen); default 24, or network + 2 for small networks.")
    private Integer subnetLength;

    @Pattern(Patterns.IPV4)
    @JsonPropertyDescription("First subnet address hosts may lease (SubnetMin); default: the second subnet.")
    private String subnetMin;

    @Pattern(Patterns.IPV4)
    @JsonPropertyDescription("Last subnet address hosts may lease (SubnetMax); default: the last subnet.")
    private String subnetMax;

    @Pattern(Patterns.IPV6_CIDR)
    @JsonPropertyDescription("Dual-stack: the IPv6 overlay (IPv6Network).")
    private String ipv6Network;

    @Min(1)
    @Max(126)
    @JsonPropertyDescription("Dual-stack: prefix length of each host's IPv6 subnet (IPv6SubnetLen); default 64.")
    private Integer ipv6SubnetLength;

    @JsonPropertyDescription("How packets cross the underlay.")
    private BackendSpec backend;

    @JsonPropertyDescription("Where the leases live.")
    private LeaseStoreSpec leaseStore;

    @Default("true")
    @JsonPropertyDescription("Masquerade traffic that leaves the overlay (the agent's --ip-masq).")
    private Boolean ipMasq;

    @JsonPropertyDescription("How the agent DaemonSet is run.")
    private AgentSpec agent;

    public String getNetwork() { return network; }
    public void setNetwork(String network) { this.network = network; }
    public Integer getSubnetLength() { return subnetLength; }
    public void setSubnetLength(Integer subnetLength) { this.subnetLength = subnetLength; }
    public String getSubnetMin() { return subnetMin; }
    public void setSubnetMin(String subnetMin) { this.subnetMin = subnetMin; }
    public String getSubnetMax() { return subnetMax; }
    public void setSubnetMax(String subnetMax) { this.subnetMax = subnetMax; }
    public String getIpv6Network() { return ipv6Network; }
    public void setIpv6Network(String ipv6Network) { this.ipv6Network = ipv6Network; }
    public Integer getIpv6SubnetLength() { return ipv6SubnetLength; }
    public void setIpv6SubnetLength(Integer ipv6SubnetLength) { this.ipv6SubnetLength = ipv6SubnetLength; }
    public BackendSpec getBackend() { return backend; }
    public void setBackend(BackendSpec backend) { this.backend = backend; }
    public LeaseStoreSpec getLeaseStore() { return leaseStore; }
    public void setLeaseStore(LeaseStoreSpec leaseStore) { this.leaseStore = leaseStore; }
    public Boolean getIpMasq() { return ipMasq; }
    public void setIpMasq(Boolean ipMasq) { this.ipMasq = ipMasq; }
    public AgentSpec getAgent() { return agent; }
    public void setAgent(AgentSpec agent) { this.agent = agent; }

    /** The backend section, or the defaults when it is absent (the API server fills defaults only inside objects that exist). */
    public BackendSpec backendOrDefault() {
        return backend == null ? new BackendSpec() : backend;
    }

    public LeaseStoreSpec leaseStoreOrDefault() {
        return leaseStore == null ? new LeaseStoreSpec() : leaseStore;
    }

    public AgentSpec agentOrDefault() {
        return agent == null ? new AgentSpec() : agent;
    }

    public boolean ipMasqOrDefault() {
        return ipMasq == null || ipMasq;
    }
}
