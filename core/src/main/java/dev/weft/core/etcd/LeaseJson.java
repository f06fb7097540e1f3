package dev.weft.core.etcd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The value of a {@code <prefix>/subnets/<key>} entry: Flannel's LeaseAttrs as Go's encoding/json
 * writes it, field for field and in the same order, so that flanneld reads what Weft writes:
 * <pre>{"PublicIP":"1.2.3.4","PublicIPv6":null,"BackendType":"vxlan","BackendData":{...},"BackendV6Data":{...}}</pre>
 * BackendType and the two data fields are left out when empty; PublicIPv6 is always there.
 * Reading is as lenient as Go's decoder (keys match case-insensitively, unknown keys are ignored).
 */
public final class LeaseJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private LeaseJson() {
    }

    /** Flannel's byte layout; backend data is written compact, as Go compacts a RawMessage. */
    public static String write(LeaseAttrs attrs) {
        StringBuilder out = new StringBuilder(128);
        out.append("{\"PublicIP\":").append(quote(attrs.publicIp().getHostAddress()));
        out.append(",\"PublicIPv6\":")
            .append(attrs.publicIpv6() == null ? "null" : quote(IpAddresses.format(attrs.publicIpv6())));
        if (attrs.backendType() != null && !attrs.backendType().isEmpty()) {
            out.append(",\"BackendType\":").append(quote(attrs.backendType()));
        }
        appendRaw(out, "BackendData", attrs.backendData());
        appendRaw(out, "BackendV6Data", attrs.backendV6Data());
        return out.append('}').toString();
    }

    /** Reads a lease value; throws IllegalArgumentException saying what is wrong with it. */
    public static LeaseAttrs parse(String json) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("lease value is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("lease value must be a JSON object, got "
                + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase(Locale.ROOT)));
        }
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        // Go's decoder lets the last of several case variants win; so do we.
        root.fields().forEachRemaining(e -> fields.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));

        JsonNode publicIp = fields.get("publicip");
        if (publicIp == null || publicIp.isNull() || (publicIp.isTextual() && publicIp.asText().isEmpty())) {
            throw new IllegalArgumentException("lease value has no PublicIP");
        }
        Inet4Address ipv4;
        try {
            ipv4 = IpAddresses.parseIpv4(publicIp.isTextual() ? publicIp.asText() : publicIp.toString());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lease value has an invalid PublicIP " + publicIp + ": expected an IPv4 address");
        }
        Inet6Address ipv6 = null;
        JsonNode publicIpv6 = fields.get("publicipv6");
        if (publicIpv6 != null && !publicIpv6.isNull()) {
            try {
                ipv6 = IpAddresses.parseIpv6(publicIpv6.isTextual() ? publicIpv6.asText() : publicIpv6.toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("lease value has an invalid PublicIPv6 " + publicIpv6
                    + ": expected an IPv6 address or null");
            }
        }
        String backendType = null;
        JsonNode type = fields.get("backendtype");
        if (type != null && !type.isNull()) {
            if (!type.isTextual()) {
                throw new IllegalArgumentException("lease value has an invalid BackendType " + type + ": expected a string");
            }
            backendType = type.asText().isEmpty() ? null : type.asText();
        }
        return new LeaseAttrs(ipv4, ipv6, backendType, raw(fields.get("backenddata")), raw(fields.get("backendv6data")));
    }

    private static String raw(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        return node.toString();
    }

    private static void appendRaw(StringBuilder out, String name, String rawJson) {
        if (rawJson == null || rawJson.isBlank()) {
            return;
        }
        try {
            MAPPER.readTree(rawJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(name + " is not valid JSON: " + e.getOriginalMessage());
        }
        String compact = compact(rawJson);
        if (compact.equals("null")) {
            return;
        }
        out.append(",\"").append(name).append("\":").append(compact);
    }

    /** Drops whitespace outside strings, keeping every other byte (and so number spelling) as given. */
    static String compact(String json) {
        StringBuilder out = new StringBuilder(json.length());
        boolean inString = false;
        boolean escaped = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                out.append(c);
                if (escaped) {
                    escaped = false;
                } else if (c == '\\') {
                    escaped = true;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
                out.append(c);
            } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String quote(String text) {
        return new TextNode(text).toString();
    }
}
