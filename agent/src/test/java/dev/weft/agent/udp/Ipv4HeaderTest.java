package dev.weft.agent.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Ipv4HeaderTest {
    /** An ICMP echo request 10.1.15.2 → 10.1.20.2, TTL 64, with a correct header checksum. */
    static ByteBuffer echo(int ttl) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.put(0, (byte) 0x45).putShort(2, (short) 28).putShort(4, (short) 0x1234).put(8, (byte) ttl).put(9, (byte) 1);
        b.putInt(12, 0x0a010f02).putInt(16, 0x0a011402);
        b.putShort(10, (short) Ipv4Header.checksum(b, 0, 20));
        b.put(20, (byte) 8);
        b.putShort(22, (short) Ipv4Header.checksum(b, 20, 8));
        return b;
    }

    @Test
    void ttlDecrementKeepsTheChecksumValid() {
        for (int ttl = 2; ttl <= 255; ttl++) {
            ByteBuffer b = echo(ttl);
            assertTrue(Ipv4Header.decrementTtl(b, 0));
            assertEquals(ttl - 1, Ipv4Header.ttl(b, 0));
            assertEquals(0, Ipv4Header.checksum(b, 0, 20), "header sums to zero with a right checksum, ttl " + ttl);
        }
    }

    @Test
    void ttlOfOneIsDroppedUntouched() {
        ByteBuffer b = echo(1);
        String before = HexFormat.of().formatHex(b.array());
        assertFalse(Ipv4Header.decrementTtl(b, 0));
        assertEquals(before, HexFormat.of().formatHex(b.array()));
    }

    @Test
    void validity() {
        assertTrue(Ipv4Header.isValid(echo(64), 0, 28));
        assertFalse(Ipv4Header.isValid(echo(64), 0, 19), "runt");
        assertFalse(Ipv4Header.isValid(echo(64), 0, 27), "total length beyond the bytes read");
        ByteBuffer v6 = echo(64).put(0, (byte) 0x60);
        assertFalse(Ipv4Header.isValid(v6, 0, 28));
        ByteBuffer badIhl = echo(64).put(0, (byte) 0x44);
        assertFalse(Ipv4Header.isValid(badIhl, 0, 28));
    }

    @Test
    void netUnreachableQuotesTheOriginalAndGoesBackToItsSender() {
        ByteBuffer original = echo(64);
        ByteBuffer out = ByteBuffer.allocate(128);
        int length = Ipv4Header.writeNetUnreachable(original, 0, 0x0a010f00, out);
        assertEquals(20 + 8 + 28, length);
        assertEquals(length, Ipv4Header.totalLength(out, 0));
        assertEquals(0x0a010f00, Ipv4Header.source(out, 0));
        assertEquals(0x0a010f02, Ipv4Header.destination(out, 0), "back to the original sender");
        assertEquals(1, Ipv4Header.protocol(out, 0));
        assertEquals(8, Ipv4Header.ttl(out, 0));
        assertEquals(3, out.get(20), "type destination unreachable");
        assertEquals(0, out.get(21), "code net unreachable");
        assertEquals(0, Ipv4Header.checksum(out, 0, 20), "IP checksum");
        assertEquals(0, Ipv4Header.checksum(out, 20, length - 20), "ICMP checksum");
        for (int i = 0; i < 28; i++) {
            assertEquals(original.get(i), out.get(28 + i), "quoted byte " + i);
        }
    }

    @Test
    void laterFragmentsAreRecognised() {
        ByteBuffer b = echo(64);
        assertTrue(Ipv4Header.isFirstFragment(b, 0));
        b.putShort(6, (short) 0x2000); // more fragments, offset 0: still the first
        assertTrue(Ipv4Header.isFirstFragment(b, 0));
        b.putShort(6, (short) 0x00b9);
        assertFalse(Ipv4Header.isFirstFragment(b, 0));
    }
}
