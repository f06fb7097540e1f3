package dev.weft.core.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Flannel's net-conf JSON ({@code <prefix>/config} in etcd, net-conf.json on disk), read the way
 * Go's encoding/json reads it: keys match case-insensitively and unknown keys are ignored.
 */
public final class NetworkConfigJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private NetworkConfigJson() {
    }

    /** Parses and validates; throws {@link InvalidConfigException} naming the field at fault. */
    public static NetworkConfig parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException("config", "not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidConfigException("config", "expected a JSON object, got " + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, JsonNode> fields = lowerCaseKeys(root);
        var builder = NetworkConfig.builder()
            .enableIpv4(bool(fields, "EnableIPv4"))
            .enableIpv6(bool(fields, "EnableIPv6"))
            .enableNftables(Boolean.TRUE.equals(bool(fields, "EnableNFTables")))
            .network(text(fields, "Network"))
            .subnetLen(integer(fields, "SubnetLen"))
            .subnetMin(text(fields, "SubnetMin"))
            .subnetMax(text(fields, "SubnetMax"))
            .ipv6Network(text(fields, "IPv6Network"))
            .ipv6SubnetLen(integer(fields, "IPv6SubnetLen"))
            .ipv6SubnetMin(text(fields, "IPv6SubnetMin"))
            .ipv6SubnetMax(text(fields, "IPv6SubnetMax"));
        JsonNode backend = fields.get("backend");
        if (backend != null && !backend.isNull()) {
            if (!backend.isObject()) {
                throw new InvalidConfigException("Backend", "expected an object, got " + backend);
            }
            Map<String, JsonNode> backendFields = lowerCaseKeys(backend);
            builder.backendType(text(backendFields, "Type", "Backend.Type"));
            Map<String, Object> rest = new LinkedHashMap<>();
            backend.fields().forEachRemaining(e -> {
                if (!e.getKey().equalsIgnoreCase("Type")) {
                    rest.put(e.getKey(), MAPPER.convertValue(e.getValue(), Object.class));
                }
            });
            builder.backendConfig(rest);
        }
        return builder.build();
    }

    /** Writes a config in Flannel's net-conf shape (only what differs from the defaults is not enough: all fields). */
    public static String write(NetworkConfig config) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (config.enableIpv4()) {
            out.put("Network", config.network().toString());
            out.put("SubnetLen", config.subnetLen());
            out.put("SubnetMin", config.subnetMin().getHostAddress());
            out.put("SubnetMax", config.subnetMax().getHostAddress());
        } else {
            out.put("EnableIPv4", false);
        }
        if (config.enableIpv6()) {
            out.put("EnableIPv6", true);
            out.put("IPv6Network", config.ipv6Network().toString());
            out.put("IPv6SubnetLen", config.ipv6SubnetLen());
            out.put("IPv6SubnetMin", dev.weft.core.net.IpAddresses.format(config.ipv6SubnetMin()));
            out.put("IPv6SubnetMax", dev.weft.core.net.IpAddresses.format(config.ipv6SubnetMax()));
        }
        if (config.enableNftables()) {
            out.put("EnableNFTables", true);
        }
        Map<String, Object> backend = new LinkedHashMap<>();
        backend.put("Type", config.backendType());
        backend.putAll(config.backendConfig());
        out.put("Backend", backend);
        try {
            return MAPPER.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write network config", e);
        }
    }

    private static Map<String, JsonNode> lowerCaseKeys(JsonNode object) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        // Go's decoder keeps the last of several case variants; so do we.
        object.fields().forEachRemaining(e -> out.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
        return out;
    }

    private static String text(Map<String, JsonNode> fields, String name) {
        return text(fields, name, name);
    }

    private static String text(Map<String, JsonNode> fields, String name, String field) {
        JsonNode v = fields.get(name.toLowerCase(Locale.ROOT));
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw new InvalidConfigException(field, "expected a string, got " + v);
        }
        return v.asText();
    }

    private static Integer integer(Map<String, JsonNode> fields, String name) {
        JsonNode v = fields.get(name.toLowerCase(Locale.ROOT));
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0) {
            throw new InvalidConfigException(name, "expected a non-negative integer, got " + v);
        }
        return v.asInt();
    }

    private static Boolean bool(Map<String, JsonNode> fields, String name) {
        JsonNode v = fields.get(name.toLowerCase(Locale.ROOT));
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new InvalidConfigException(name, "expected true or false, got " + v);
        }
        return v.asBoolean();
    }
}
