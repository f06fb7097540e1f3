package dev.weft.agent.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VirtioNetHeaderTest {
    @Test
    void fieldsAreLittleEndianInAMostlyBigEndianBuffer() {
        ByteBuffer b = ByteBuffer.allocateDirect(13);
        VirtioNetHeader.write(b, 3, VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.GSO_TCPV4 | VirtioNetHeader.GSO_ECN,
            66, 1448, 20, 16);
        byte[] raw = new byte[10];
        b.get(3, raw);
        assertEquals("0181" + "4200" + "a805" + "1400" + "1000", HexFormat.of().formatHex(raw));
        assertEquals(1, VirtioNetHeader.flags(b, 3));
        assertEquals(0x81, VirtioNetHeader.gsoType(b, 3));
        assertEquals(66, VirtioNetHeader.hdrLen(b, 3));
        assertEquals(1448, VirtioNetHeader.gsoSize(b, 3));
        assertEquals(20, VirtioNetHeader.csumStart(b, 3));
        assertEquals(16, VirtioNetHeader.csumOffset(b, 3));
    }

    @Test
    void largeValuesAndTheZeroHeader() {
        ByteBuffer b = ByteBuffer.allocate(10);
        VirtioNetHeader.write(b, 0, 2, 4, 0xffff, 0xfedc, 0x8001, 0x7fff);
        assertEquals(0xffff, VirtioNetHeader.hdrLen(b, 0));
        assertEquals(0xfedc, VirtioNetHeader.gsoSize(b, 0));
        assertEquals(0x8001, VirtioNetHeader.csumStart(b, 0));
        assertEquals(0x7fff, VirtioNetHeader.csumOffset(b, 0));
        VirtioNetHeader.writeNone(b, 0);
        assertEquals("00000000000000000000", HexFormat.of().formatHex(b.array()));
    }
}
