package dev.weft.agent.vxlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.weft.agent.os.MacAddress;
import dev.weft.core.config.InvalidConfigException;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.net.IpAddresses;
import org.junit.jupiter.api.Test;

/** BackendData, the VTEP MAC and the Backend section of a vxlan network: pure, no kernel. */
class VxlanBackendDataTest {

    @Test
    void writtenAsFlannelWritesIt() {
        assertEquals("{\"VNI\":1,\"VtepMAC\":\"0e:11:22:33:44:55\"}",
            new VxlanBackendData(1, MacAddress.parse("0E:11:22:33:44:55")).toJson());
    }

    @Test
    void readsFlanneldsDataLeniently() {
        assertEquals(new VxlanBackendData(1, MacAddress.parse("a2:b4:00:11:22:33")),
            VxlanBackendData.parse("{ \"VNI\": 1, \"VtepMAC\": \"a2:b4:00:11:22:33\" }"));
        assertEquals(new VxlanBackendData(7, MacAddress.parse("a2:b4:00:11:22:33")),
            VxlanBackendData.parse("{\"vni\":7,\"vtepmac\":\"A2:B4:00:11:22:33\",\"Other\":true}"));
    }

    @Test
    void badDataSaysWhatIsWrong() {
        assertEquals("vxlan lease has no BackendData (expected {\"VNI\":…,\"VtepMAC\":\"…\"})",
            assertThrows(IllegalArgumentException.class, () -> VxlanBackendData.parse(null)).getMessage());
        assertEquals("vxlan BackendData {\"VNI\":1} has no VtepMAC string",
            assertThrows(IllegalArgumentException.class, () -> VxlanBackendData.parse("{\"VNI\":1}")).getMessage());
        assertEquals("invalid MAC address \"zz\": expected six hex pairs like aa:bb:cc:dd:ee:ff",
            assertThrows(IllegalArgumentException.class, () -> VxlanBackendData.parse("{\"VNI\":1,\"VtepMAC\":\"zz\"}")).getMessage());
        assertEquals("vxlan BackendData {\"VNI\":\"x\",\"VtepMAC\":\"0e:11:22:33:44:55\"} has an invalid VNI \"x\"",
            assertThrows(IllegalArgumentException.class,
                () -> VxlanBackendData.parse("{\"VNI\":\"x\",\"VtepMAC\":\"0e:11:22:33:44:55\"}")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> VxlanBackendData.parse("[1]"));
        assertThrows(IllegalArgumentException.class, () -> VxlanBackendData.parse("{"));
    }

    @Test
    void vtepMacIsStableLocallyAdministeredUnicastAndDiffersPerHostAndVni() {
        MacAddress mac = VtepMac.derive(IpAddresses.parseIpv4("192.168.0.100"), 1);

        assertEquals(mac, VtepMac.derive(IpAddresses.parseIpv4("192.168.0.100"), 1), "same inputs, same MAC: restarts keep it");
        byte b0 = mac.bytes()[0];
        assertEquals(0x02, b0 & 0x03, "locally administered (bit 1 set), unicast (bit 0 clear): " + mac);
        assertNotEquals(mac, VtepMac.derive(IpAddresses.parseIpv4("192.168.0.200"), 1));
        assertNotEquals(mac, VtepMac.derive(IpAddresses.parseIpv4("192.168.0.100"), 2));
        for (int i = 0; i < 256; i++) {
            assertEquals(0x02, VtepMac.derive(IpAddresses.parseIpv4("10.0.0." + i), 1).bytes()[0] & 0x03);
        }
    }

    @Test
    void configHasFlannelsDefaults() {
        VxlanConfig config = VxlanConfig.of(NetworkConfigJson.parse("{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\"}}"));

        assertEquals(new VxlanConfig(1, 0, false, false, false, 0), config);
        assertEquals(8472, config.effectivePort());
    }

    @Test
    void configReadsEveryFieldAndRejectsBadValuesByName() {
        VxlanConfig config = VxlanConfig.of(NetworkConfigJson.parse("{\"Network\":\"10.1.0.0/16\",\"Backend\":"
            + "{\"Type\":\"vxlan\",\"VNI\":4096,\"Port\":4789,\"GBP\":true,\"Learning\":true,\"DirectRouting\":true,\"MTU\":9000}}"));
        assertEquals(new VxlanConfig(4096, 4789, true, true, true, 9000), config);
        assertEquals(4789, config.effectivePort());

        InvalidConfigException vni = assertThrows(InvalidConfigException.class, () -> VxlanConfig.of(NetworkConfigJson.parse(
            "{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"VNI\":16777216}}")));
        assertEquals("Backend.VNI: expected an integer 0..16777215, got 16777216", vni.getMessage());
        InvalidConfigException dr = assertThrows(InvalidConfigException.class, () -> VxlanConfig.of(NetworkConfigJson.parse(
            "{\"Network\":\"10.1.0.0/16\",\"Backend\":{\"Type\":\"vxlan\",\"DirectRouting\":\"yes\"}}")));
        assertEquals("Backend.DirectRouting: expected true or false, got yes", dr.getMessage());
    }
}
