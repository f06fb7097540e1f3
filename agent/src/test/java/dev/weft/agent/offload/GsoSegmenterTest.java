package dev.weft.agent.offload;

import static dev.weft.agent.offload.TestPacket.payloadOf;
import static dev.weft.agent.offload.TestPacket.region;
import static dev.weft.agent.offload.TestPacket.seqOf;
import static dev.weft.agent.offload.TestPacket.tcpFlags;
import static dev.weft.agent.offload.TestPacket.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class GsoSegmenterTest {
    private static final int MSS = 1448;
    private static final int ALL_FLAGS = PacketHeaders.ACK | PacketHeaders.PSH | PacketHeaders.FIN | PacketHeaders.CWR | PacketHeaders.ECE;

    private final GsoSegmenter segmenter = new GsoSegmenter();
    private final Segments segments = new Segments();
    private final ByteBuffer out = ByteBuffer.allocateDirect(256 * 1024);

    private List<byte[]> split(ByteBuffer read, int off) {
        SegmentResult result = segmenter.segment(read, off, read.capacity() - off, out, 64, segments);
        assertEquals(SegmentResult.SEGMENTED, result);
        assertSame(out, segments.buffer());
        assertEquals(64, segments.offset());
        List<byte[]> packets = new ArrayList<>();
        for (int i = 0; i < segments.count(); i++) {
            assertEquals(64 + i * segments.segmentLength(), segments.offset(i), "segments lie back to back");
            packets.add(region(out, segments.offset(i), segments.length(i)));
        }
        return packets;
    }

    private static byte[] concatPayloads(List<byte[]> packets) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        packets.forEach(p -> all.writeBytes(payloadOf(p)));
        return all.toByteArray();
    }

    @Test
    void ipv4SuperPacketBecomesValidSegmentsWithOptionsIdsSeqsAndFlags() {
        TestPacket tso = TestPacket.v4().payload(TestPacket.payload(3 * MSS + 100, 1)).flags(ALL_FLAGS);
        tso.id = 0xfffe; // the id wraps on the third segment
        List<byte[]> packets = split(tso.tsoRead(5, MSS, VirtioNetHeader.GSO_ECN), 5);

        assertEquals(4, packets.size());
        assertEquals(tso.headersLength() + MSS, segments.segmentLength());
        assertEquals(tso.headersLength() + 100, segments.lastLength(), "a short last segment");
        assertArrayEquals(tso.payload, concatPayloads(packets));
        for (int k = 0; k < 4; k++) {
            byte[] p = packets.get(k);
            boolean last = k == 3;
            assertEquals(p.length, u16(p, 2), "total length of segment " + k);
            assertEquals((0xfffe + k) & 0xffff, u16(p, 4), "IP id of segment " + k);
            assertTrue(TestPacket.ipv4HeaderValid(p), "IPv4 header checksum of segment " + k);
            assertTrue(TestPacket.tcpChecksumValid(p), "TCP checksum of segment " + k);
            assertEquals(tso.seq + k * MSS, seqOf(p), "seq of segment " + k);
            int expected = PacketHeaders.ACK | PacketHeaders.ECE
                | (last ? PacketHeaders.PSH | PacketHeaders.FIN : 0) | (k == 0 ? PacketHeaders.CWR : 0);
            assertEquals(expected, tcpFlags(p), "flags of segment " + k);
            assertArrayEquals(tso.options, Arrays.copyOfRange(p, 40, 52), "options of segment " + k);
            assertEquals(tso.ack, TestPacket.u32(p, 28));
            assertEquals(tso.window, u16(p, 34));
            assertEquals(tso.ttl, p[8]);
            assertEquals(0x4000, u16(p, 6), "DF kept");
        }
    }

    @Test
    void ipv6SuperPacketBecomesValidSegments() {
        TestPacket tso = TestPacket.v6().payload(TestPacket.payload(5 * 1428, 2)).flags(PacketHeaders.ACK | PacketHeaders.PSH);
        tso.tos = 0x02; // ECT(0)
        List<byte[]> packets = split(tso.tsoRead(0, 1428, 0), 0);

        assertEquals(5, packets.size());
        assertEquals(segments.segmentLength(), segments.lastLength(), "payload divides evenly");
        assertArrayEquals(tso.payload, concatPayloads(packets));
        for (int k = 0; k < 5; k++) {
            byte[] p = packets.get(k);
            assertEquals(p.length - 40, u16(p, 4), "payload length of segment " + k);
            assertTrue(TestPacket.tcpChecksumValid(p), "TCP checksum of segment " + k);
            assertEquals(tso.seq + k * 1428, seqOf(p));
            assertEquals(k == 4 ? PacketHeaders.ACK | PacketHeaders.PSH : PacketHeaders.ACK, tcpFlags(p));
            assertEquals(TestPacket.u32(tso.bytes(), 0), TestPacket.u32(p, 0), "version, traffic class, flow label");
        }
    }

    @Test
    void ipv4UdpSuperPacketBecomesOneValidDatagramPerSegment() {
        TestPacket uso = TestPacket.v4().payload(TestPacket.payload(3 * 1200 + 77, 12));
        uso.id = 0xffff; // wraps on the second segment
        List<byte[]> packets = split(uso.usoRead(3, 1200), 3);

        assertEquals(4, packets.size());
        assertEquals(20 + 8 + 1200, segments.segmentLength());
        assertEquals(20 + 8 + 77, segments.lastLength(), "a short last datagram");
        ByteArrayOutputStream payloads = new ByteArrayOutputStream();
        for (int k = 0; k < 4; k++) {
            byte[] p = packets.get(k);
            assertEquals(p.length, u16(p, 2), "total length of datagram " + k);
            assertEquals((0xffff + k) & 0xffff, u16(p, 4), "IP id of datagram " + k);
            assertTrue(TestPacket.ipv4HeaderValid(p), "IPv4 header checksum of datagram " + k);
            assertEquals(uso.srcPort, u16(p, 20));
            assertEquals(uso.dstPort, u16(p, 22));
            assertEquals(p.length - 20, u16(p, 24), "UDP length of datagram " + k);
            assertTrue(TestPacket.udpChecksumValid(p), "UDP checksum of datagram " + k);
            payloads.writeBytes(Arrays.copyOfRange(p, 28, p.length));
        }
        assertArrayEquals(uso.payload, payloads.toByteArray());
    }

    @Test
    void ipv6UdpSuperPacketBecomesValidDatagrams() {
        TestPacket uso = TestPacket.v6().payload(TestPacket.payload(2 * 1000, 13));
        List<byte[]> packets = split(uso.usoRead(0, 1000), 0);

        assertEquals(2, packets.size());
        for (byte[] p : packets) {
            assertEquals(8 + 1000, u16(p, 4), "IPv6 payload length");
            assertEquals(8 + 1000, u16(p, 44), "UDP length");
            assertTrue(TestPacket.udpChecksumValid(p));
            assertEquals(TestPacket.u32(uso.udpPartial(), 0), TestPacket.u32(p, 0), "version, traffic class, flow label");
        }
    }

    @Test
    void aUdpChecksumThatComesOutZeroIsSentAsAllOnes() {
        // Payload words chosen so that one datagram's sum is 0xffff, i.e. its checksum 0.
        TestPacket uso = TestPacket.v4().payload(new byte[4]);
        byte[] partial = uso.udpPartial();
        byte[] single = Arrays.copyOf(partial, partial.length);
        TestPacket.putShort(single, 24, 12); // as the datagram will carry it: UDP length 8 + 4
        TestPacket.putShort(single, 26, 0);
        long sum = TestPacket.fold(TestPacket.sum(single, 12, 20) + 17 + 12 + TestPacket.sum(single, 20, 32));
        int filler = (int) (0xffff - sum); // one's complement: adding it makes the sum 0xffff
        uso.payload = new byte[] {(byte) (filler >>> 8), (byte) filler, 0, 0};
        List<byte[]> packets = split(uso.usoRead(0, 4), 0);

        assertEquals(1, packets.size());
        assertEquals(0xffff, u16(packets.get(0), 26), "0 is \"no checksum\" in UDP: sent as 0xffff");
        assertTrue(TestPacket.udpChecksumValid(packets.get(0)));
    }

    @Test
    void cwrStaysOnTheFirstSegmentWithoutTheEcnGsoBitToo() {
        TestPacket tso = TestPacket.v4().payload(TestPacket.payload(2 * MSS, 3)).flags(PacketHeaders.ACK | PacketHeaders.CWR);
        List<byte[]> packets = split(tso.tsoRead(0, MSS, 0), 0);
        assertEquals(PacketHeaders.ACK | PacketHeaders.CWR, tcpFlags(packets.get(0)));
        assertEquals(PacketHeaders.ACK, tcpFlags(packets.get(1)));
    }

    @Test
    void payloadWithinOneMssGivesOneCompleteSegment() {
        TestPacket tso = TestPacket.v4().payload(TestPacket.payload(700, 4)).flags(PacketHeaders.ACK | PacketHeaders.PSH);
        List<byte[]> packets = split(tso.tsoRead(0, MSS, 0), 0);
        assertEquals(1, packets.size());
        assertArrayEquals(tso.bytes(), packets.get(0), "the packet itself with its checksum completed");
    }

    @Test
    void partialChecksumWithoutGsoIsCompletedInPlace() {
        TestPacket tcp = TestPacket.v6().payload(TestPacket.payload(333, 5));
        byte[] partial = tcp.partial();
        ByteBuffer read = TestPacket.withHeader(3, VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.GSO_NONE,
            60, 0, 40, 16, partial);
        assertEquals(SegmentResult.CHECKSUM_COMPLETED, segmenter.segment(read, 3, read.capacity() - 3, out, 0, segments));
        assertSame(read, segments.buffer());
        assertEquals(13, segments.offset());
        assertEquals(1, segments.count());
        assertEquals(partial.length, segments.segmentLength());
        assertArrayEquals(tcp.bytes(), region(read, 13, partial.length));
    }

    @Test
    void partialUdpChecksumIsCompletedToo() {
        byte[] udp = new byte[20 + 8 + 11];
        udp[0] = 0x45;
        TestPacket.putShort(udp, 2, udp.length);
        udp[8] = 64;
        udp[9] = 17;
        udp[12] = 10;
        udp[16] = 10;
        udp[19] = 9;
        TestPacket.putShort(udp, 20, 53);
        TestPacket.putShort(udp, 22, 5353);
        TestPacket.putShort(udp, 24, 19);
        for (int i = 28; i < udp.length; i++) {
            udp[i] = (byte) i;
        }
        long pseudo = TestPacket.sum(udp, 12, 20) + 17 + 19;
        TestPacket.putShort(udp, 26, (int) TestPacket.fold(pseudo));
        ByteBuffer read = TestPacket.withHeader(0, VirtioNetHeader.FLAG_NEEDS_CSUM, 0, 0, 0, 20, 6, udp);
        assertEquals(SegmentResult.CHECKSUM_COMPLETED, segmenter.segment(read, 0, read.capacity(), out, 0, segments));
        byte[] done = region(read, 10, udp.length);
        assertEquals(0xffff, TestPacket.fold(pseudo + TestPacket.sum(done, 20, done.length)),
            "UDP checksum verifies");
    }

    @Test
    void plainPacketPassesThroughUntouched() {
        byte[] packet = TestPacket.v4().payload(TestPacket.payload(100, 6)).bytes();
        ByteBuffer read = TestPacket.withHeader(0, 0, 0, 0, 0, 0, 0, packet);
        assertEquals(SegmentResult.PASSED_THROUGH, segmenter.segment(read, 0, read.capacity(), out, 0, segments));
        assertSame(read, segments.buffer());
        assertEquals(10, segments.offset());
        assertEquals(packet.length, segments.totalLength());
        assertArrayEquals(packet, region(read, 10, packet.length));
    }

    @Test
    void segmentsAreGroupedUnderTheUdpGsoLimits() {
        TestPacket tso = TestPacket.v4().payload(TestPacket.payload(65_000 - 52, 7));
        split(tso.tsoRead(0, MSS, 0), 0);
        assertEquals(45, segments.count());
        assertEquals(1500, segments.segmentLength());
        assertEquals(43, segments.segmentsPerSend(), "65,507 / 1,500");
        int g = segments.segmentsPerSend();
        int covered = 0;
        for (int i = 0; i < segments.count(); i += g) {
            int end = Math.min(i + g, segments.count());
            int bytes = (end == segments.count() ? segments.endOffset() : segments.offset(end)) - segments.offset(i);
            assertTrue(bytes <= Segments.MAX_BYTES_PER_SEND && end - i <= Segments.MAX_SEGMENTS_PER_SEND);
            covered += bytes;
        }
        assertEquals(segments.totalLength(), covered);

        TestPacket small = TestPacket.v4().payload(TestPacket.payload(100 * 200, 8));
        split(small.tsoRead(0, 200, 0), 0);
        assertEquals(100, segments.count());
        assertEquals(64, segments.segmentsPerSend(), "small segments: the count limit binds");
    }

    @Test
    void badReadsGetASpecificResult() {
        byte[] good = TestPacket.v4().payload(TestPacket.payload(3000, 9)).partial();
        assertEquals(SegmentResult.TRUNCATED, run(VirtioNetHeader.GSO_TCPV4, MSS, Arrays.copyOf(good, 0)));
        assertEquals(SegmentResult.TRUNCATED, run(VirtioNetHeader.GSO_TCPV4, MSS, Arrays.copyOf(good, 19)));
        assertEquals(SegmentResult.UNSUPPORTED_GSO_TYPE, run(VirtioNetHeader.GSO_UDP, MSS, good));
        assertEquals(SegmentResult.WRONG_PROTOCOL, run(VirtioNetHeader.GSO_UDP_L4, MSS, good));
        byte[] udp4 = TestPacket.v4().payload(TestPacket.payload(3000, 9)).udpPartial();
        byte[] udpHeaderCut = Arrays.copyOf(udp4, 24);
        TestPacket.putShort(udpHeaderCut, 2, 24);
        assertEquals(SegmentResult.TRUNCATED, run(VirtioNetHeader.GSO_UDP_L4, MSS, udpHeaderCut));
        assertEquals(SegmentResult.WRONG_PROTOCOL, run(VirtioNetHeader.GSO_TCPV4, MSS, udp4));
        assertEquals(SegmentResult.UNSUPPORTED_GSO_TYPE, run(2, MSS, good));
        assertEquals(SegmentResult.GSO_TYPE_MISMATCH, run(VirtioNetHeader.GSO_TCPV6, MSS, good));
        assertEquals(SegmentResult.BAD_VIRTIO_HEADER, run(VirtioNetHeader.GSO_TCPV4, 0, good));
        assertEquals(SegmentResult.IP_LENGTH_MISMATCH, run(VirtioNetHeader.GSO_TCPV4, MSS, Arrays.copyOf(good, 2000)));

        byte[] ihl = good.clone();
        ihl[0] = 0x44;
        assertEquals(SegmentResult.BAD_IP_HEADER, run(VirtioNetHeader.GSO_TCPV4, MSS, ihl));
        byte[] version = good.clone();
        version[0] = 0x55;
        assertEquals(SegmentResult.BAD_IP_HEADER, run(VirtioNetHeader.GSO_TCPV4, MSS, version));
        byte[] fragment = good.clone();
        fragment[6] = 0x20; // MF
        assertEquals(SegmentResult.IP_FRAGMENT, run(VirtioNetHeader.GSO_TCPV4, MSS, fragment));
        byte[] udp = good.clone();
        udp[9] = 17;
        assertEquals(SegmentResult.WRONG_PROTOCOL, run(VirtioNetHeader.GSO_TCPV4, MSS, udp));
        byte[] dataOffset = good.clone();
        dataOffset[32] = 0x40; // 4 words
        assertEquals(SegmentResult.BAD_TCP_HEADER, run(VirtioNetHeader.GSO_TCPV4, MSS, dataOffset));
        byte[] hugeOptions = Arrays.copyOf(good, 60);
        TestPacket.putShort(hugeOptions, 2, 60);
        hugeOptions[32] = (byte) 0xf0; // 60-byte TCP header in a 60-byte packet
        assertEquals(SegmentResult.TRUNCATED, run(VirtioNetHeader.GSO_TCPV4, MSS, hugeOptions));

        byte[] v6 = TestPacket.v6().payload(TestPacket.payload(3000, 9)).partial();
        byte[] hopByHop = v6.clone();
        hopByHop[6] = 0;
        assertEquals(SegmentResult.IPV6_EXTENSION_HEADER, run(VirtioNetHeader.GSO_TCPV6, MSS, hopByHop));
        byte[] fragmentHeader = v6.clone();
        fragmentHeader[6] = 44;
        assertEquals(SegmentResult.IPV6_EXTENSION_HEADER, run(VirtioNetHeader.GSO_TCPV6, MSS, fragmentHeader));
        byte[] icmp6 = v6.clone();
        icmp6[6] = 58;
        assertEquals(SegmentResult.WRONG_PROTOCOL, run(VirtioNetHeader.GSO_TCPV6, MSS, icmp6));
        assertEquals(SegmentResult.IP_LENGTH_MISMATCH, run(VirtioNetHeader.GSO_TCPV6, MSS, Arrays.copyOf(v6, 100)));

        ByteBuffer csumOutside = TestPacket.withHeader(0, VirtioNetHeader.FLAG_NEEDS_CSUM, 0, 0, 0, good.length - 17, 16, good);
        assertEquals(SegmentResult.BAD_VIRTIO_HEADER, segmenter.segment(csumOutside, 0, csumOutside.capacity(), out, 0, segments));
        ByteBuffer onlyHeader = TestPacket.withHeader(0, 0, 0, 0, 0, 0, 0, new byte[0]);
        assertEquals(SegmentResult.TRUNCATED, segmenter.segment(onlyHeader, 0, 10, out, 0, segments));

        ByteBuffer read = TestPacket.v4().payload(TestPacket.payload(3000, 9)).tsoRead(0, MSS, 0);
        ByteBuffer tiny = ByteBuffer.allocateDirect(3000 + 52);
        assertEquals(SegmentResult.OUTPUT_TOO_SMALL, segmenter.segment(read, 0, read.capacity(), tiny, 0, segments),
            "three segments need 3 × 52 header bytes more than the payload");
        assertTrue(SegmentResult.SEGMENTED.ok() && SegmentResult.PASSED_THROUGH.ok() && !SegmentResult.TRUNCATED.ok());
    }

    private SegmentResult run(int gsoType, int mss, byte[] packet) {
        ByteBuffer read = TestPacket.withHeader(0, VirtioNetHeader.FLAG_NEEDS_CSUM, gsoType, 52, mss, 20, 16, packet);
        return segmenter.segment(read, 0, read.capacity(), out, 0, segments);
    }

    @Test
    void truncatedAndCorruptedReadsNeverThrowNorReadPastTheirBytes() {
        Random random = new Random(42);
        for (int kind = 0; kind < 4; kind++) {
            TestPacket base = kind % 2 == 0 ? TestPacket.v4() : TestPacket.v6();
            boolean udp = kind >= 2;
            byte[] good = udp ? base.payload(TestPacket.payload(4000, 10)).udpPartial()
                : base.payload(TestPacket.payload(4000, 10)).partial();
            for (int cut = 0; cut <= good.length; cut += cut < 100 ? 1 : 97) {
                int gso = udp ? VirtioNetHeader.GSO_UDP_L4 : base.v6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4;
                // the buffer ends exactly where the read ends: any read beyond would throw
                ByteBuffer read = TestPacket.withHeader(0, VirtioNetHeader.FLAG_NEEDS_CSUM, gso, 52, MSS, 20, 16,
                    Arrays.copyOf(good, cut));
                segmenter.segment(read, 0, read.capacity(), out, 0, segments);
            }
            for (int i = 0; i < 5000; i++) {
                byte[] bad = good.clone();
                for (int j = 0; j < 3; j++) {
                    bad[random.nextInt(80)] = (byte) random.nextInt();
                }
                ByteBuffer read = TestPacket.withHeader(0, random.nextInt(4), random.nextInt(256),
                    random.nextInt(65536), random.nextInt(65536), random.nextInt(65536), random.nextInt(65536), bad);
                SegmentResult result = segmenter.segment(read, 0, read.capacity(), out, 0, segments);
                if (result == SegmentResult.SEGMENTED) {
                    assertTrue(segments.endOffset() <= out.capacity());
                }
            }
        }
    }

    @Test
    void callerErrorsThrow() {
        ByteBuffer read = TestPacket.v4().payload(TestPacket.payload(3000, 9)).tsoRead(0, MSS, 0);
        ByteBuffer little = ByteBuffer.allocateDirect(4096).order(ByteOrder.LITTLE_ENDIAN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> segmenter.segment(read, 0, read.capacity(), little, 0, segments));
        assertTrue(e.getMessage().contains("output buffer must be in big-endian"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
            () -> segmenter.segment(read, 0, read.capacity() + 1, out, 0, segments));
        assertTrue(e.getMessage().contains("input region"), e.getMessage());
    }

    @Test
    void segmentingDoesNotAllocate() {
        ByteBuffer read = TestPacket.v4().payload(TestPacket.payload(20 * MSS + 7, 11)).tsoRead(0, MSS, 0);
        Allocation.requireMeasurable();
        Runnable once = () -> segmenter.segment(read, 0, read.capacity(), out, 0, segments);
        assertTrue(Allocation.bytesAllocatedBy(once, 20_000) < 4096, "allocation per 20,000 calls");
    }
}
