package dev.weft.agent.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChecksumsTest {
    @Test
    void rfc1071Example() {
        ByteBuffer b = ByteBuffer.wrap(HexFormat.of().parseHex("0001f203f4f5f6f7"));
        assertEquals(0xddf2, Checksums.fold(Checksums.sum(b, 0, 8, 0)));
        assertEquals(0x220d, Checksums.finish(Checksums.sum(b, 0, 8, 0)));
    }

    @Test
    void agreesWithAPlainSixteenBitSumForEveryLengthAndStart() {
        Random random = new Random(1);
        byte[] data = new byte[300];
        random.nextBytes(data);
        ByteBuffer direct = ByteBuffer.allocateDirect(data.length).put(0, data);
        for (int start = 0; start < 9; start++) {
            for (int length = 0; start + length <= data.length; length++) {
                long expected = TestPacket.fold(TestPacket.sum(data, start, start + length));
                assertEquals(expected, Checksums.fold(Checksums.sum(direct, start, length, 0)), start + "+" + length);
            }
        }
        byte[] ones = new byte[65_534];
        java.util.Arrays.fill(ones, (byte) 0xff);
        assertEquals(0xffff, Checksums.fold(Checksums.sum(ByteBuffer.wrap(ones), 0, ones.length, 0xffff_ffffL)),
            "large sums fold without overflow");
    }

    @Test
    void ipv4HeaderChecksumIsWrittenAndVerified() {
        byte[] packet = TestPacket.v4().payload(new byte[10]).bytes();
        ByteBuffer b = ByteBuffer.wrap(packet.clone());
        b.putShort(10, (short) 0x1234);
        Checksums.writeIpv4HeaderChecksum(b, 0, 20);
        assertEquals(TestPacket.u16(packet, 10), b.getShort(10) & 0xffff);
        assertEquals(true, Checksums.ipv4HeaderChecksumValid(b, 0, 20));
        b.put(8, (byte) 1);
        assertEquals(false, Checksums.ipv4HeaderChecksumValid(b, 0, 20));
    }

    @Test
    void pseudoHeaderSumsMatchTheTextbookLayout() {
        for (TestPacket p : new TestPacket[] {TestPacket.v4(), TestPacket.v6()}) {
            byte[] bytes = p.payload(new byte[33]).bytes();
            int tcpLength = bytes.length - p.ipHeaderLength();
            ByteBuffer b = ByteBuffer.wrap(bytes);
            long sum = p.v6
                ? Checksums.pseudoHeaderIpv6(b, 0, Checksums.PROTO_TCP, tcpLength)
                : Checksums.pseudoHeaderIpv4(b, 0, Checksums.PROTO_TCP, tcpLength);
            assertEquals(TestPacket.fold(TestPacket.pseudo(bytes)), Checksums.fold(sum));
        }
    }

    @Test
    void completingAPartialChecksumGivesTheFullOne() {
        TestPacket p = TestPacket.v4().payload(TestPacket.payload(1001, 3));
        ByteBuffer b = ByteBuffer.wrap(p.partial());
        Checksums.completePartial(b, 0, b.capacity(), 20, 16);
        assertEquals(TestPacket.u16(p.bytes(), 36), b.getShort(36) & 0xffff);
    }
}
