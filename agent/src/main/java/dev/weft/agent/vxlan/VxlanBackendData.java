package dev.weft.agent.vxlan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.agent.os.MacAddress;
import java.util.Iterator;
import java.util.Map;

/**
 * Flannel's vxlan BackendData, {@code {"VNI":1,"VtepMAC":"0e:…"}}: written in Go's field order and
 * compact; read as leniently as Go's decoder (keys in any case, other keys ignored).
 */
public record VxlanBackendData(int vni, MacAddress vtepMac) {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    public String toJson() {
        return "{\"VNI\":" + vni + ",\"VtepMAC\":\"" + vtepMac + "\"}";
    }

    /** Reads a peer's BackendData; an IllegalArgumentException says what is wrong with it. */
    public static VxlanBackendData parse(String json) {
        if (json == null || json.isBlank()) {
            throw new IllegalArgumentException("vxlan lease has no BackendData (expected {\"VNI\":…,\"VtepMAC\":\"…\"})");
        }
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("vxlan BackendData is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("vxlan BackendData must be a JSON object, got " + json);
        }
        JsonNode vni = null;
        JsonNode mac = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (field.getKey().equalsIgnoreCase("VNI")) {
                vni = field.getValue();
            } else if (field.getKey().equalsIgnoreCase("VtepMAC")) {
                mac = field.getValue();
            }
        }
        if (mac == null || !mac.isTextual()) {
            throw new IllegalArgumentException("vxlan BackendData " + json + " has no VtepMAC string");
        }
        int vniValue = vni == null || vni.isNull() ? 0 : vni.isInt() ? vni.intValue() : -1;
        if (vniValue < 0) {
            throw new IllegalArgumentException("vxlan BackendData " + json + " has an invalid VNI " + vni);
        }
        return new VxlanBackendData(vniValue, MacAddress.parse(mac.asText()));
    }
}
