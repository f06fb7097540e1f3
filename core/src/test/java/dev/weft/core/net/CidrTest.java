package dev.weft.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class CidrTest {

    @Test
    void parseMasksHostBitsAsGoDoes() {
        assertEquals("10.1.0.0/16", Cidr.parse("10.1.15.7/16").toString());
        assertEquals("fd00:1::/64", Cidr.parse("fd00:1::abcd/64").toString());
        assertEquals("0.0.0.0/0", Cidr.parse("1.2.3.4/0").toString());
    }

    @Test
    void parseRejectsBadInputNamingIt() {
        for (String bad : List.of("10.1.0.0", "10.1.0.0/", "10.1.0.0/33", "10.1.0.256/16", "fd00::/129",
                "host.example/24", "10.1.0.0/-1", "/16", "10.1.0/16")) {
            var e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
            assertTrue(e.getMessage().contains(bad), e.getMessage());
        }
    }

    @Test
    void containsAndOverlaps() {
        Cidr network = Cidr.parse("10.1.0.0/16");
        assertTrue(network.contains(Cidr.parse("10.1.15.0/24")));
        assertFalse(Cidr.parse("10.1.15.0/24").contains(network));
        assertTrue(network.overlaps(Cidr.parse("10.1.15.0/24")));
        assertTrue(Cidr.parse("10.1.15.0/24").overlaps(network));
        assertFalse(network.overlaps(Cidr.parse("10.2.0.0/16")));
        assertFalse(network.overlaps(Cidr.parse("fd00::/8")), "families never overlap");
        assertTrue(network.contains(IpAddresses.parse("10.1.255.255")));
        assertFalse(network.contains(IpAddresses.parse("10.2.0.0")));
    }

    @Test
    void firstHostAndNext() {
        assertEquals("10.1.15.1", Cidr.parse("10.1.15.0/24").firstHost().getHostAddress());
        assertEquals("10.1.16.0", Cidr.parse("10.1.15.0/24").nextNetworkAddress().getHostAddress());
        assertNull(Cidr.parse("255.255.255.0/24").nextNetworkAddress());
        assertEquals("fd00::1", IpAddresses.format(Cidr.parse("fd00::/64").firstHost()));
    }

    @Test
    void subnetsBetweenBoundsInOrder() {
        var subnets = Cidr.subnetsBetween(IpAddresses.parse("10.3.1.0"), IpAddresses.parse("10.3.4.0"), 24, 100);
        assertEquals(List.of("10.3.1.0/24", "10.3.2.0/24", "10.3.3.0/24", "10.3.4.0/24"),
            subnets.stream().map(Cidr::toString).toList());
        assertEquals(2, Cidr.subnetsBetween(IpAddresses.parse("10.3.1.0"), IpAddresses.parse("10.3.255.0"), 24, 2).size());
        var v6 = Cidr.subnetsBetween(IpAddresses.parse("fc00:0:0:1::"), IpAddresses.parse("fc00:0:0:3::"), 64, 100);
        assertEquals(List.of("fc00:0:0:1::/64", "fc00:0:0:2::/64", "fc00:0:0:3::/64"), v6.stream().map(Cidr::toString).toList());
    }

    @Test
    void formatsIpv6AsGoDoes() {
        assertEquals("fd00:12:13::", IpAddresses.format(IpAddresses.parse("fd00:12:13:0:0:0:0:0")));
        assertEquals("::1", IpAddresses.format(IpAddresses.parse("0:0:0:0:0:0:0:1")));
        assertEquals("fc00:0:0:1::", IpAddresses.format(IpAddresses.parse("fc00::1:0:0:0:0")));
        assertEquals("1:0:2::3", IpAddresses.format(IpAddresses.parse("1:0:2:0:0:0:0:3")), "a single zero group stays");
        assertEquals("::", IpAddresses.format(IpAddresses.parse("::")));
    }

    @Test
    void addressParsingNeverResolvesNames() {
        assertThrows(IllegalArgumentException.class, () -> IpAddresses.parse("localhost"));
        assertThrows(IllegalArgumentException.class, () -> IpAddresses.parseIpv4("fd00::1"));
        assertThrows(IllegalArgumentException.class, () -> IpAddresses.parseIpv6("10.0.0.1"));
        assertEquals(0x0a010f00, IpAddresses.toInt(IpAddresses.parseIpv4("10.1.15.0")));
        assertEquals("10.1.15.0", IpAddresses.fromInt(0x0a010f00).getHostAddress());
    }
}
