package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.crd.generator.annotation.PreserveUnknownFields;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** What a host publishes with its lease (Flannel's LeaseAttrs) and until when it holds it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SubnetLeaseSpec {

    @Required
    @JsonPropertyDescription("The OverlayNetwork this lease belongs to.")
    private String network;

    @Required
    @Pattern(Patterns.IPV4_CIDR)
    @JsonPropertyDescription("The leased IPv4 subnet, e.g. 10.244.3.0/24.")
    private String subnet;

    @Pattern(Patterns.IPV6_CIDR)
    @JsonPropertyDescription("Dual-stack: the leased IPv6 subnet.")
    private String ipv6Subnet;

    @JsonPropertyDescription("The node that holds the lease.")
    private String node;

    @Required
    @Pattern(Patterns.IPV4)
    @JsonProperty("publicIP")
    @JsonPropertyDescription("The holder's underlay IPv4 address; peers send to it.")
    private String publicIP;

    @Pattern(Patterns.IPV6)
    @JsonProperty("publicIPv6")
    @JsonPropertyDescription("The holder's underlay IPv6 address.")
    private String publicIPv6;

    @JsonPropertyDescription("What the holder's backend publishes.")
    private LeaseBackend backend;

    @JsonPropertyDescription("When the lease lapses unless renewed (RFC 3339); absent for a reservation, which never does.")
    private String expiresAt;

    public String getNetwork() { return network; }
    public void setNetwork(String network) { this.network = network; }
    public String getSubnet() { return subnet; }
    public void setSubnet(String subnet) { this.subnet = subnet; }
    public String getIpv6Subnet() { return ipv6Subnet; }
    public void setIpv6Subnet(String ipv6Subnet) { this.ipv6Subnet = ipv6Subnet; }
    public String getNode() { return node; }
    public void setNode(String node) { this.node = node; }
    @JsonProperty("publicIP")
    public String getPublicIP() { return publicIP; }
    @JsonProperty("publicIP")
    public void setPublicIP(String publicIP) { this.publicIP = publicIP; }
    @JsonProperty("publicIPv6")
    public String getPublicIPv6() { return publicIPv6; }
    @JsonProperty("publicIPv6")
    public void setPublicIPv6(String publicIPv6) { this.publicIPv6 = publicIPv6; }
    public LeaseBackend getBackend() { return backend; }
    public void setBackend(LeaseBackend backend) { this.backend = backend; }
    public String getExpiresAt() { return expiresAt; }
    public void setExpiresAt(String expiresAt) { this.expiresAt = expiresAt; }

    /** The backend type and its data, kept as the JSON the backend wrote (e.g. {"VtepMAC": "..."}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class LeaseBackend {
        @JsonPropertyDescription("udp, vxlan, host-gw...")
        private String type;

        @PreserveUnknownFields
        @JsonPropertyDescription("Free-form backend data, e.g. VtepMAC for vxlan.")
        private JsonNode data;

        @PreserveUnknownFields
        @JsonPropertyDescription("Free-form backend data for IPv6.")
        private JsonNode v6Data;

        public String getType() { return type; }
        public void setType(String type) { this.type = type; }
        public JsonNode getData() { return data; }
        public void setData(JsonNode data) { this.data = data; }
        public JsonNode getV6Data() { return v6Data; }
        public void setV6Data(JsonNode v6Data) { this.v6Data = v6Data; }
    }
}
