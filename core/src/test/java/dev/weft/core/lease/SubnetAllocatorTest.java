package dev.weft.core.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.config.NetworkConfig;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.SubnetKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SubnetAllocatorTest {
    private static final NetworkConfig SMALL = NetworkConfigJson.parse(
        "{\"Network\":\"10.5.0.0/16\",\"SubnetMin\":\"10.5.1.0\",\"SubnetMax\":\"10.5.4.0\"}");

    @Test
    void picksOnlyFreeSubnetsInRangeUntilFull() {
        List<SubnetKey> taken = new ArrayList<>();
        Random random = new Random(1);
        for (int i = 0; i < 4; i++) {
            SubnetKey key = SubnetAllocator.pickFree(SMALL, taken, random).orElseThrow();
            assertTrue(SubnetAllocator.isCompatible(SMALL, key), key.toString());
            assertTrue(SubnetAllocator.isFree(key, taken), key.toString());
            taken.add(key);
        }
        assertEquals(4, new HashSet<>(taken).size());
        assertTrue(SubnetAllocator.pickFree(SMALL, taken, random).isEmpty(), "range full");
    }

    @Test
    void aReservationOfAnotherSizeBlocksWhatItOverlaps() {
        List<SubnetKey> taken = List.of(SubnetKey.parse("10.5.0.0-22")); // covers 10.5.1.0 .. 10.5.3.0
        Random random = new Random(2);
        for (int i = 0; i < 20; i++) {
            assertEquals("10.5.4.0-24", SubnetAllocator.pickFree(SMALL, taken, random).orElseThrow().toString());
        }
    }

    @Test
    void compatibilityFollowsLengthRangeAndFamilies() {
        assertTrue(SubnetAllocator.isCompatible(SMALL, SubnetKey.parse("10.5.2.0-24")));
        assertFalse(SubnetAllocator.isCompatible(SMALL, SubnetKey.parse("10.5.5.0-24")), "above SubnetMax");
        assertFalse(SubnetAllocator.isCompatible(SMALL, SubnetKey.parse("10.5.2.0-25")), "wrong length");
        assertFalse(SubnetAllocator.isCompatible(SMALL, SubnetKey.parse("10.5.2.0-24&fd00::-64")), "v6 part without v6");
        NetworkConfig dual = NetworkConfigJson.parse(
            "{\"Network\":\"10.5.0.0/16\",\"EnableIPv6\":true,\"IPv6Network\":\"fd00::/48\"}");
        assertFalse(SubnetAllocator.isCompatible(dual, SubnetKey.parse("10.5.2.0-24")), "v6 part missing");
        assertTrue(SubnetAllocator.isCompatible(dual, SubnetKey.parse("10.5.2.0-24&fd00:0:0:7::-64")));
        SubnetKey picked = SubnetAllocator.pickFree(dual, List.of(), new Random(3)).orElseThrow();
        assertTrue(SubnetAllocator.isCompatible(dual, picked), picked.toString());
    }

    @Test
    void picksAmongTheFirstHundredFree() {
        NetworkConfig big = NetworkConfigJson.parse("{\"Network\":\"10.0.0.0/8\"}");
        Random random = new Random(4);
        Cidr limit = Cidr.parse("10.0.0.0/17"); // the first 100 /24s after 10.0.0.0 lie below 10.0.101.0
        for (int i = 0; i < 50; i++) {
            assertTrue(limit.contains(SubnetAllocator.pickFree(big, List.of(), random).orElseThrow().ipv4()));
        }
    }
}
