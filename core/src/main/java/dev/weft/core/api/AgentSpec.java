package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;

/** How the agent DaemonSet runs. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AgentSpec {
    public static final String DEFAULT_IMAGE = "ghcr.io/weft-dev/weft-agent:0.1.0";
    public static final int DEFAULT_HEALTHZ_PORT = 8471;

    @JsonPropertyDescription("The agent's container image; default " + DEFAULT_IMAGE + ".")
    private String image;

    @JsonPropertyDescription("Interface (or address) for the underlay, the agent's --iface; default: the default route's.")
    private String iface;

    @Min(1)
    @Max(65535)
    @JsonPropertyDescription("Port of the agent's /healthz and /readyz on the host; default 8471.")
    private Integer healthzPort;

    @JsonPropertyDescription("Run the agent only on nodes with these labels (kubernetes.io/os=linux is always required).")
    private Map<String, String> nodeSelector;

    @JsonPropertyDescription("Tolerations of the agent pods; default: tolerate every taint, as a network agent must.")
    private List<Toleration> tolerations;

    public String getImage() { return image; }
    public void setImage(String image) { this.image = image; }
    public String getIface() { return iface; }
    public void setIface(String iface) { this.iface = iface; }
    public Integer getHealthzPort() { return healthzPort; }
    public void setHealthzPort(Integer healthzPort) { this.healthzPort = healthzPort; }
    public Map<String, String> getNodeSelector() { return nodeSelector; }
    public void setNodeSelector(Map<String, String> nodeSelector) { this.nodeSelector = nodeSelector; }
    public List<Toleration> getTolerations() { return tolerations; }
    public void setTolerations(List<Toleration> tolerations) { this.tolerations = tolerations; }

    public String imageOrDefault() {
        return image == null || image.isBlank() ? DEFAULT_IMAGE : image;
    }

    public int healthzPortOrDefault() {
        return healthzPort == null ? DEFAULT_HEALTHZ_PORT : healthzPort;
    }
}
