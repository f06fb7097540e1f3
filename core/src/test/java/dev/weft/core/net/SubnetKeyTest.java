package dev.weft.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SubnetKeyTest {

    @Test
    void roundTripsFlannelKeys() {
        for (String key : List.of("10.1.15.0-24", "10.5.52.0-24", "10.12.13.0-24&fd00:12:13::-56", "10.1.15.0-24&fd00:1::-64")) {
            assertEquals(key, SubnetKey.parse(key).toString());
        }
        SubnetKey dual = SubnetKey.parse("10.12.13.0-24&fd00:12:13::-56");
        assertEquals(Cidr.parse("10.12.13.0/24"), dual.ipv4());
        assertEquals(Cidr.parse("fd00:12:13::/56"), dual.ipv6());
        assertNull(SubnetKey.parse("10.1.15.0-24").ipv6());
    }

    @Test
    void writesIpv6InGoForm() {
        var key = new SubnetKey(Cidr.parse("10.1.15.0/24"), Cidr.parse("fd00:1:0:0:0:0:0:0/64"));
        assertEquals("10.1.15.0-24&fd00:1::-64", key.toString());
    }

    @Test
    void rejectsBadKeysNamingThem() {
        for (String bad : List.of("", "10.1.15.0/24", "10.1.15.0-32", "10.1.15.0-", "10.1.15.1-24", "300.1.15.0-24",
                "10.1.15.0-24&", "10.1.15.0-24&fd00::-128", "fd00::-64", "10.1.15.0-24&FD00::-64", "x10.1.15.0-24",
                "10.1.15.0-24&fd00::1-64")) {
            var e = assertThrows(IllegalArgumentException.class, () -> SubnetKey.parse(bad), bad);
            assertTrue(e.getMessage().contains("\"" + bad + "\""), e.getMessage());
        }
    }
}
