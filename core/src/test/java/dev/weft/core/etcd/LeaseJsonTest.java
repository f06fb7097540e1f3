package dev.weft.core.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.IpAddresses;
import org.junit.jupiter.api.Test;

class LeaseJsonTest {
    private static final String VXLAN_DATA = "{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}";

    @Test
    void writesUdpLeaseAsFlanneldDoes() {
        var attrs = new LeaseAttrs(IpAddresses.parseIpv4("192.168.0.200"), null, null, null, null);
        assertEquals("{\"PublicIP\":\"192.168.0.200\",\"PublicIPv6\":null}", LeaseJson.write(attrs));
    }

    @Test
    void writesEveryFieldInFlannelsOrder() {
        var attrs = new LeaseAttrs(IpAddresses.parseIpv4("1.2.3.4"), IpAddresses.parseIpv6("fd00:0:0:0:0:0:0:1"),
            "vxlan", "{ \"VNI\" : 1,\n \"VtepMAC\": \"c6:d2:32:6f:8f:44\" }", "{\"VNI\":1,\"VtepMAC\":\"a a\"}");
        assertEquals("{\"PublicIP\":\"1.2.3.4\",\"PublicIPv6\":\"fd00::1\",\"BackendType\":\"vxlan\","
            + "\"BackendData\":" + VXLAN_DATA + ",\"BackendV6Data\":{\"VNI\":1,\"VtepMAC\":\"a a\"}}", LeaseJson.write(attrs));
    }

    @Test
    void omitsEmptyBackendFields() {
        var attrs = new LeaseAttrs(IpAddresses.parseIpv4("1.2.3.4"), null, "", "null", " ");
        assertEquals("{\"PublicIP\":\"1.2.3.4\",\"PublicIPv6\":null}", LeaseJson.write(attrs));
    }

    @Test
    void rejectsBackendDataThatIsNotJson() {
        var attrs = LeaseAttrs.of(IpAddresses.parseIpv4("1.2.3.4"), "vxlan", "{VNI:1");
        var error = assertThrows(IllegalArgumentException.class, () -> LeaseJson.write(attrs));
        assertTrue(error.getMessage().startsWith("BackendData is not valid JSON"), error.getMessage());
    }

    @Test
    void roundTrips() {
        var attrs = new LeaseAttrs(IpAddresses.parseIpv4("10.0.0.1"), IpAddresses.parseIpv6("2001:db8::5"),
            "host-gw", VXLAN_DATA, null);
        assertEquals(attrs, LeaseJson.parse(LeaseJson.write(attrs)));
    }

    @Test
    void readsFlanneldVxlanLease() {
        var attrs = LeaseJson.parse("{\"PublicIP\":\"192.168.0.201\",\"PublicIPv6\":null,\"BackendType\":\"vxlan\","
            + "\"BackendData\":{\"VNI\":1,\"VtepMAC\":\"c6:d2:32:6f:8f:44\"}}");
        assertEquals("192.168.0.201", attrs.publicIp().getHostAddress());
        assertNull(attrs.publicIpv6());
        assertEquals("vxlan", attrs.backendType());
        assertEquals(VXLAN_DATA, attrs.backendData());
        assertNull(attrs.backendV6Data());
    }

    @Test
    void readsLikeGoKeysIgnoringCaseAndUnknownFields() {
        var attrs = LeaseJson.parse("{\"publicip\":\"10.1.1.1\",\"BACKENDTYPE\":\"udp\",\"Extra\":[1,2],"
            + "\"backendData\":null}");
        assertEquals(LeaseAttrs.of(IpAddresses.parseIpv4("10.1.1.1"), "udp", null), attrs);
    }

    @Test
    void rejectsMissingOrInvalidPublicIp() {
        assertEquals("lease value has no PublicIP",
            assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse("{\"PublicIPv6\":null}")).getMessage());
        assertEquals("lease value has no PublicIP",
            assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse("{\"PublicIP\":\"\"}")).getMessage());
        assertEquals("lease value has an invalid PublicIP \"fd00::1\": expected an IPv4 address",
            assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse("{\"PublicIP\":\"fd00::1\"}")).getMessage());
        assertEquals("lease value has an invalid PublicIP 17: expected an IPv4 address",
            assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse("{\"PublicIP\":17}")).getMessage());
    }

    @Test
    void rejectsValuesThatAreNotAnObject() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse("{not json"))
            .getMessage().startsWith("lease value is not valid JSON"));
        assertEquals("lease value must be a JSON object, got array",
            assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse("[1]")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> LeaseJson.parse(""));
    }

    @Test
    void rejectsAnInvalidPublicIpv6() {
        var error = assertThrows(IllegalArgumentException.class,
            () -> LeaseJson.parse("{\"PublicIP\":\"1.2.3.4\",\"PublicIPv6\":\"1.2.3.4\"}"));
        assertEquals("lease value has an invalid PublicIPv6 \"1.2.3.4\": expected an IPv6 address or null", error.getMessage());
    }

    @Test
    void compactKeepsStringsIntact() {
        assertEquals("{\"a\":\" x \\\" y \",\"b\":[1,2]}", LeaseJson.compact("{ \"a\" : \" x \\\" y \" ,\n\t\"b\": [1, 2] }"));
    }
}
