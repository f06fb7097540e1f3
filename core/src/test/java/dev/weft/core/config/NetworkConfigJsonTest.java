package dev.weft.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetworkConfigJsonTest {

    @Test
    void flannelExampleIpv4Defaults() {
        NetworkConfig c = NetworkConfigJson.parse("{\"Network\":\"10.3.0.0/16\"}");
        assertEquals(Cidr.parse("10.3.0.0/16"), c.network());
        assertEquals(24, c.subnetLen());
        assertEquals("10.3.1.0", c.subnetMin().getHostAddress());
        assertEquals("10.3.255.0", c.subnetMax().getHostAddress());
        assertEquals("udp", c.backendType(), "a missing Backend means udp, as in Flannel's code");
        assertTrue(c.enableIpv4());
        assertFalse(c.enableIpv6());
        assertEquals(255, c.ipv4Capacity());
    }

    @Test
    void flannelExampleIpv6Defaults() {
        NetworkConfig c = NetworkConfigJson.parse(
            "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"fc00::/48\"}");
        assertEquals(64, c.ipv6SubnetLen());
        assertEquals("fc00:0:0:1::", IpAddresses.format(c.ipv6SubnetMin()));
        assertEquals("fc00:0:0:ffff::", IpAddresses.format(c.ipv6SubnetMax()));
    }

    @Test
    void explicitOverridesAreKept() {
        NetworkConfig c = NetworkConfigJson.parse("{\"Network\":\"10.3.0.0/16\",\"SubnetLen\":22,"
            + "\"SubnetMin\":\"10.3.8.0\",\"SubnetMax\":\"10.3.64.0\",\"Backend\":{\"Type\":\"VXLAN\",\"VNI\":4,\"Port\":4789}}");
        assertEquals(22, c.subnetLen());
        assertEquals("10.3.8.0", c.subnetMin().getHostAddress());
        assertEquals("10.3.64.0", c.subnetMax().getHostAddress());
        assertEquals("vxlan", c.backendType(), "Backend.Type is lower-cased");
        assertEquals(4, c.backendValue("vni"));
        assertEquals(4789, c.backendValue("Port"));
        assertEquals(15, c.ipv4Capacity());
    }

    @Test
    void keysAreCaseInsensitiveAndUnknownKeysIgnored() {
        NetworkConfig c = NetworkConfigJson.parse("{\"network\":\"10.3.0.0/16\",\"subnetlen\":25,\"Whatever\":[1,2],"
            + "\"backend\":{\"type\":\"host-gw\"}}");
        assertEquals(25, c.subnetLen());
        assertEquals("host-gw", c.backendType());
    }

    @Test
    void smallNetworksGetPrefixPlusTwo() {
        assertEquals(25, NetworkConfigJson.parse("{\"Network\":\"10.3.0.0/23\"}").subnetLen());
        assertEquals(24, NetworkConfigJson.parse("{\"Network\":\"10.3.0.0/22\"}").subnetLen());
        assertEquals(30, NetworkConfigJson.parse("{\"Network\":\"10.3.0.0/28\"}").subnetLen());
        assertEquals(66, NetworkConfigJson.parse("{\"EnableIPv6\":true,\"EnableIPv4\":false,\"IPv6Network\":\"fc00::/64\"}").ipv6SubnetLen());
    }

    @Test
    void hostBitsInNetworkAreMasked() {
        assertEquals(Cidr.parse("10.3.0.0/16"), NetworkConfigJson.parse("{\"Network\":\"10.3.7.9/16\"}").network());
    }

    @Test
    void roundTripsThroughWrite() {
        NetworkConfig c = NetworkConfigJson.parse("{\"Network\":\"10.3.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":1}}");
        assertEquals(c, NetworkConfigJson.parse(NetworkConfigJson.write(c)));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "{}                                                                  | Network   | please define a correct Network",
        "{\"Network\":\"\"}                                                  | Network   | please define a correct Network",
        "{\"Network\":\"fd00::/48\"}                                         | Network   | invalid IPv4 CIDR format \"fd00::/48\"",
        "{\"Network\":\"10.3.0.0\"}                                          | Network   | invalid IPv4 CIDR format \"10.3.0.0\"",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetLen\":31}                      | SubnetLen | SubnetLen must be less than /31, got 31",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetLen\":17}                      | SubnetLen | at least four subnets",
        "{\"Network\":\"10.3.0.0/29\"}                                       | Network   | Minimum useful network prefix is /28",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetMin\":\"10.4.1.0\"}            | SubnetMin | SubnetMin 10.4.1.0 is not in the range of the network 10.3.0.0/16",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetMax\":\"10.2.1.0\"}            | SubnetMax | SubnetMax 10.2.1.0 is not in the range",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetMin\":\"10.3.1.5\"}            | SubnetMin | SubnetMin is not on a SubnetLen boundary: 10.3.1.5",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetMax\":\"10.3.1.128\"}          | SubnetMax | SubnetMax is not on a SubnetLen boundary: 10.3.1.128",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetMin\":\"fd00::\"}              | SubnetMin | invalid IPv4 address format \"fd00::\"",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetMin\":\"10.3.9.0\",\"SubnetMax\":\"10.3.2.0\"} | SubnetMin | is above SubnetMax",
        "{\"Network\":\"10.3.0.0/16\",\"SubnetLen\":\"24\"}                  | SubnetLen | expected a non-negative integer",
        "{\"Network\":\"10.3.0.0/16\",\"Backend\":{\"VNI\":1}}               | Backend.Type | missing",
        "{\"Network\":\"10.3.0.0/16\",\"Backend\":\"udp\"}                   | Backend   | expected an object",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\"}                   | IPv6Network | please define a correct IPv6Network",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"10.4.0.0/16\"} | IPv6Network | invalid IPv6 CIDR format",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"fc00::/48\",\"IPv6SubnetLen\":127} | IPv6SubnetLen | less than /127",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"fc00::/48\",\"IPv6SubnetLen\":49} | IPv6SubnetLen | at least four subnets",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"fc00::/125\"} | IPv6Network | Minimum useful network prefix is /124",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"fc00::/48\",\"IPv6SubnetMin\":\"fc00:0:0:1::1\"} | IPv6SubnetMin | not on a IPv6SubnetLen boundary",
        "{\"EnableIPv6\":true,\"Network\":\"10.3.0.0/16\",\"IPv6Network\":\"fc00::/48\",\"IPv6SubnetMax\":\"fd00::\"} | IPv6SubnetMax | not in the range",
        "{\"EnableIPv4\":false}                                              | EnableIPv4 | neither EnableIPv4 nor EnableIPv6",
        "{\"EnableIPv4\":\"yes\",\"Network\":\"10.3.0.0/16\"}                | EnableIPv4 | expected true or false",
        "{not json                                                           | config    | not valid JSON",
        "[1,2]                                                               | config    | expected a JSON object",
    })
    void everyRuleNamesTheFieldAndValue(String json, String field, String message) {
        var e = assertThrows(InvalidConfigException.class, () -> NetworkConfigJson.parse(json));
        assertEquals(field, e.field());
        assertTrue(e.getMessage().contains(message), () -> "message \"" + e.getMessage() + "\" lacks \"" + message + "\"");
    }
}
