package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

/** Flannel's Backend section. Type is a string, not a Java enum, so that a bad value reaches the reconciler's status. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.vni) || self.type == 'vxlan'", message = "vni applies to the vxlan backend only")
@ValidationRule(value = "!has(self.directRouting) || self.type == 'vxlan'", message = "directRouting applies to the vxlan backend only")
@ValidationRule(value = "!has(self.port) || self.type != 'host-gw'", message = "port does not apply to the host-gw backend")
public class BackendSpec {
    public static final String UDP = "udp";
    public static final String VXLAN = "vxlan";
    public static final String HOST_GW = "host-gw";

    @Default(UDP)
    @Pattern(Patterns.BACKEND)
    @JsonPropertyDescription("udp (TUN + UDP, Flannel's default), vxlan (kernel VXLAN) or host-gw (plain routes).")
    private String type;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("UDP port: udp 8285, vxlan 8472 by default.")
    private Integer port;

    @Min(0)
    @Max(16777215)
    @JsonPropertyDescription("VXLAN network identifier, default 1.")
    private Integer vni;

    @Min(68)
    @Max(65535)
    @JsonPropertyDescription("MTU of the overlay device; default: the underlay's MTU minus the encapsulation.")
    private Integer mtu;

    @JsonPropertyDescription("vxlan: route directly, without encapsulation, to hosts on the same subnet.")
    private Boolean directRouting;

    public String getType() { return type; }
    public void setType(String type) { this.type = type; }
    public Integer getPort() { return port; }
    public void setPort(Integer port) { this.port = port; }
    public Integer getVni() { return vni; }
    public void setVni(Integer vni) { this.vni = vni; }
    public Integer getMtu() { return mtu; }
    public void setMtu(Integer mtu) { this.mtu = mtu; }
    public Boolean getDirectRouting() { return directRouting; }
    public void setDirectRouting(Boolean directRouting) { this.directRouting = directRouting; }

    public String typeOrDefault() {
        return type == null ? UDP : type;
    }
}
