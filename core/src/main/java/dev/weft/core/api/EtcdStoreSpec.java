package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** An etcd cluster holding leases in Flannel's layout under {@code prefix}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EtcdStoreSpec {
    public static final String DEFAULT_PREFIX = "/coreos.com/network";

    @Required
    @Size(min = 1)
    @JsonPropertyDescription("Client URLs, e.g. https://10.0.0.1:2379.")
    private List<String> endpoints;

    @Default(DEFAULT_PREFIX)
    @Pattern("^/.*[^/]$")
    @JsonPropertyDescription("Key prefix; the config is at <prefix>/config, leases at <prefix>/subnets/.")
    private String prefix;

    @JsonPropertyDescription("A Secret in the operator's namespace with ca.crt, tls.crt and tls.key for etcd's TLS.")
    private SecretRef tlsSecretRef;

    public List<String> getEndpoints() { return endpoints; }
    public void setEndpoints(List<String> endpoints) { this.endpoints = endpoints; }
    public String getPrefix() { return prefix; }
    public void setPrefix(String prefix) { this.prefix = prefix; }
    public SecretRef getTlsSecretRef() { return tlsSecretRef; }
    public void setTlsSecretRef(SecretRef tlsSecretRef) { this.tlsSecretRef = tlsSecretRef; }

    public String prefixOrDefault() {
        return prefix == null ? DEFAULT_PREFIX : prefix;
    }

    /** A Secret by name, in the operator's namespace. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SecretRef {
        @Required
        private String name;

        public SecretRef() {
        }

        public SecretRef(String name) {
            this.name = name;
        }

        public String getName() { return name; }
        public void setName(String name) { this.name = name; }
    }
}
