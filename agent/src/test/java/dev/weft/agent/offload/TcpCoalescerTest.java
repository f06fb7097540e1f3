package dev.weft.agent.offload;

import static dev.weft.agent.offload.TestPacket.payloadOf;
import static dev.weft.agent.offload.TestPacket.region;
import static dev.weft.agent.offload.TestPacket.seqOf;
import static dev.weft.agent.offload.TestPacket.tcpFlags;
import static dev.weft.agent.offload.TestPacket.u16;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.agent.offload.TcpCoalescer.Disposition;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class TcpCoalescerTest {
    private static final int MSS = 1448;

    /** One region handed to the sink: its virtio header and its packet, copied. */
    record Written(ByteBuffer header, byte[] packet) {
        int flags() {
            return VirtioNetHeader.flags(header, 0);
        }

        int gsoType() {
            return VirtioNetHeader.gsoType(header, 0);
        }

        boolean merged() {
            return gsoType() != VirtioNetHeader.GSO_NONE;
        }

        /** The packet as the kernel sees it once it finished the NEEDS_CSUM checksum. */
        byte[] completed() {
            byte[] p = packet.clone();
            if ((flags() & VirtioNetHeader.FLAG_NEEDS_CSUM) != 0) {
                int start = VirtioNetHeader.csumStart(header, 0);
                int field = start + VirtioNetHeader.csumOffset(header, 0);
                TestPacket.putShort(p, field, ~(int) TestPacket.fold(TestPacket.sum(p, start, p.length)) & 0xffff);
            }
            return p;
        }
    }

    private final List<Written> written = new ArrayList<>();
    private final TcpCoalescer coalescer = new TcpCoalescer((buffer, offset, length) -> {
        ByteBuffer header = ByteBuffer.allocate(VirtioNetHeader.LENGTH);
        header.put(0, buffer, offset, VirtioNetHeader.LENGTH);
        written.add(new Written(header, region(buffer, offset + VirtioNetHeader.LENGTH, length - VirtioNetHeader.LENGTH)));
    });

    private Disposition add(byte[] packet) {
        ByteBuffer b = TestPacket.direct(7, packet); // ends exactly at the packet's end
        return coalescer.add(b, 7, packet.length);
    }

    /** {@code count} in-order segments of {@code flow}, each {@code mss} bytes (the last {@code lastPayload}). */
    private static List<byte[]> segments(TestPacket flow, int count, int mss, int lastPayload) {
        List<byte[]> list = new ArrayList<>();
        int seq = flow.seq;
        for (int k = 0; k < count; k++) {
            int size = k == count - 1 ? lastPayload : mss;
            TestPacket p = flow.copy().seq(seq).payload(TestPacket.payload(size, k));
            list.add(p.bytes());
            seq += size;
        }
        return list;
    }

    private static byte[] payloads(List<byte[]> packets) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        packets.forEach(p -> all.writeBytes(payloadOf(p)));
        return all.toByteArray();
    }

    @Test
    void inOrderIpv4SegmentsBecomeOneGsoWriteTheKernelAccepts() {
        TestPacket flow = TestPacket.v4();
        List<byte[]> in = segments(flow, 10, MSS, 500);
        assertEquals(Disposition.HELD, add(in.get(0)));
        for (int k = 1; k < 9; k++) {
            assertEquals(Disposition.MERGED, add(in.get(k)));
        }
        assertEquals(Disposition.MERGED, add(in.get(9)));
        assertEquals(1, written.size(), "the short last segment closed the run at once");
        coalescer.flush();
        assertEquals(1, written.size());

        Written w = written.get(0);
        assertEquals(VirtioNetHeader.FLAG_NEEDS_CSUM, w.flags());
        assertEquals(VirtioNetHeader.GSO_TCPV4, w.gsoType());
        assertEquals(20 + 32, VirtioNetHeader.hdrLen(w.header(), 0));
        assertEquals(MSS, VirtioNetHeader.gsoSize(w.header(), 0));
        assertEquals(20, VirtioNetHeader.csumStart(w.header(), 0));
        assertEquals(16, VirtioNetHeader.csumOffset(w.header(), 0));
        byte[] p = w.packet();
        assertEquals(52 + 9 * MSS + 500, p.length);
        assertEquals(p.length, u16(p, 2), "total length");
        assertTrue(TestPacket.ipv4HeaderValid(p));
        assertEquals(TestPacket.fold(TestPacket.pseudo(p)), u16(p, 36), "the field holds the uninverted pseudo-header sum");
        assertTrue(TestPacket.tcpChecksumValid(w.completed()));
        assertEquals(flow.seq, seqOf(p));
        assertEquals(flow.id, u16(p, 4), "the first segment's id");
        assertArrayEquals(flow.options, Arrays.copyOfRange(p, 40, 52));
        assertArrayEquals(payloads(in), payloadOf(p));
    }

    @Test
    void segmentThenCoalesceGivesBackTheSuperPacketForBothFamilies() {
        for (TestPacket flow : List.of(TestPacket.v4(), TestPacket.v6())) {
            written.clear();
            flow.payload(TestPacket.payload(30 * 1400 + 77, 3)).flags(PacketHeaders.ACK | PacketHeaders.PSH);
            ByteBuffer read = flow.tsoRead(0, 1400, 0);
            Segments segments = new Segments();
            ByteBuffer out = ByteBuffer.allocateDirect(128 * 1024);
            assertEquals(SegmentResult.SEGMENTED, new GsoSegmenter().segment(read, 0, read.capacity(), out, 0, segments));
            for (int i = 0; i < segments.count(); i++) {
                coalescer.add(out, segments.offset(i), segments.length(i));
            }
            coalescer.flush();

            assertEquals(1, written.size(), "one write for " + (flow.v6 ? "IPv6" : "IPv4"));
            Written w = written.get(0);
            assertEquals(flow.v6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4, w.gsoType());
            assertEquals(flow.ipHeaderLength(), VirtioNetHeader.csumStart(w.header(), 0));
            assertArrayEquals(flow.bytes(), w.completed(), "headers, flags (PSH), lengths and payload as sent");
        }
    }

    @Test
    void ipv6RunFixesThePayloadLength() {
        TestPacket flow = TestPacket.v6();
        List<byte[]> in = segments(flow, 3, 1200, 1200);
        in.forEach(this::add);
        coalescer.flush();
        assertEquals(1, written.size());
        byte[] p = written.get(0).packet();
        assertEquals(p.length - 40, u16(p, 4));
        assertEquals(1200, VirtioNetHeader.gsoSize(written.get(0).header(), 0));
        assertTrue(TestPacket.tcpChecksumValid(written.get(0).completed()));
    }

    @Test
    void twoInterleavedFlowsGiveTwoRunsEachInOrder() {
        TestPacket a = TestPacket.v4();
        TestPacket b = TestPacket.v4();
        b.srcPort = 40001;
        b.seq = 1000;
        List<byte[]> as = segments(a, 6, MSS, MSS);
        List<byte[]> bs = segments(b, 6, MSS, MSS);
        for (int k = 0; k < 6; k++) {
            add(as.get(k));
            add(bs.get(k));
        }
        coalescer.flush();
        assertEquals(2, written.size());
        for (Written w : written) {
            assertTrue(w.merged());
            boolean isA = u16(w.packet(), 20) == 40000;
            assertArrayEquals(payloads(isA ? as : bs), payloadOf(w.packet()));
        }
    }

    @Test
    void outOfOrderSegmentsAreWrittenInArrivalOrderUnmerged() {
        List<byte[]> in = segments(TestPacket.v4(), 3, MSS, MSS);
        add(in.get(0));
        add(in.get(2));
        add(in.get(1));
        coalescer.flush();
        assertEquals(3, written.size());
        assertArrayEquals(in.get(0), written.get(0).packet());
        assertArrayEquals(in.get(2), written.get(1).packet());
        assertArrayEquals(in.get(1), written.get(2).packet());
        written.forEach(w -> assertEquals(0, w.flags() | w.gsoType(), "zero virtio header for a lone packet"));
    }

    @Test
    void aSegmentThatDiffersInAnyMatchedFieldStartsANewRun() {
        List<Consumer<TestPacket>> changes = List.of(
            p -> p.ack += 1,
            p -> p.window += 1,
            p -> p.options = TestPacket.timestamps(0x01020305, 0x0a0b0c0d),
            p -> p.options = new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
            p -> p.tos = 0x10,
            p -> p.tos = 0x03, // CE after ECT(0): never merged across
            p -> p.ttl = 63);
        for (boolean v6 : new boolean[] {false, true}) {
            for (int c = 0; c < changes.size(); c++) {
                written.clear();
                TestPacket flow = v6 ? TestPacket.v6() : TestPacket.v4();
                flow.tos = 0x02;
                List<byte[]> in = segments(flow, 4, MSS, MSS);
                for (int k = 2; k < 4; k++) { // the change holds from the third segment on
                    TestPacket changed = flow.copy().seq(flow.seq + k * MSS).payload(TestPacket.payload(MSS, k));
                    changes.get(c).accept(changed);
                    in.set(k, changed.bytes());
                }
                in.forEach(this::add);
                coalescer.flush();
                String what = (v6 ? "IPv6" : "IPv4") + " change " + c;
                assertEquals(2, written.size(), what);
                assertEquals(2 * MSS, payloadOf(written.get(0).packet()).length, what);
                assertEquals(2 * MSS, payloadOf(written.get(1).packet()).length, what + ": the changed one and the next match");
                assertArrayEquals(payloads(in), concat(payloadOf(written.get(0).packet()), payloadOf(written.get(1).packet())), what);
            }
        }
    }

    @Test
    void ipv6FlowLabelAndHopLimitMustMatch() {
        TestPacket flow = TestPacket.v6();
        List<byte[]> in = segments(flow, 2, MSS, MSS);
        TestPacket other = flow.copy().seq(flow.seq + MSS).payload(TestPacket.payload(MSS, 1));
        other.flowLabel = 0x54321;
        add(in.get(0));
        assertEquals(Disposition.HELD, add(other.bytes()), "a different flow label starts a new run");
    }

    @Test
    void cwrAndOtherControlFlagsGoAloneAfterTheirFlowsRun() {
        int[] flags = {PacketHeaders.ACK | PacketHeaders.CWR, PacketHeaders.ACK | PacketHeaders.ECE, PacketHeaders.ACK | PacketHeaders.FIN,
            PacketHeaders.ACK | PacketHeaders.URG, PacketHeaders.ACK | PacketHeaders.RST, PacketHeaders.SYN | PacketHeaders.ACK, PacketHeaders.RST, 0};
        for (int f : flags) {
            written.clear();
            TestPacket flow = TestPacket.v4();
            List<byte[]> in = segments(flow, 3, MSS, MSS);
            add(in.get(0));
            add(in.get(1));
            byte[] odd = flow.copy().seq(flow.seq + 2 * MSS).payload(TestPacket.payload(MSS, 2)).flags(f).bytes();
            assertEquals(Disposition.WRITTEN_ALONE, add(odd), "flags " + f);
            assertEquals(2, written.size(), "the run went first, flags " + f);
            assertTrue(written.get(0).merged());
            assertArrayEquals(odd, written.get(1).packet());
            assertEquals(0, written.get(1).gsoType());
        }
    }

    @Test
    void pureAcksAndOtherProtocolsPassWithoutBreakingOtherFlows() {
        TestPacket flow = TestPacket.v4();
        List<byte[]> in = segments(flow, 2, MSS, MSS);
        TestPacket reverse = TestPacket.v4();
        reverse.src = flow.dst;
        reverse.dst = flow.src;
        reverse.srcPort = flow.dstPort;
        reverse.dstPort = flow.srcPort;
        byte[] pureAck = reverse.bytes();
        byte[] udp = {0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 1, 15, 2, 10, 1, 20, 3, 0, 53, 0, 53, 0, 8, 0, 0};
        byte[] icmp = Arrays.copyOf(udp, 28);
        icmp[9] = 1;

        add(in.get(0));
        assertEquals(Disposition.WRITTEN_ALONE, add(pureAck));
        assertEquals(Disposition.WRITTEN_ALONE, add(udp));
        assertEquals(Disposition.WRITTEN_ALONE, add(icmp));
        assertEquals(Disposition.MERGED, add(in.get(1)));
        coalescer.flush();
        assertEquals(4, written.size());
        assertArrayEquals(pureAck, written.get(0).packet());
        assertArrayEquals(udp, written.get(1).packet());
        assertArrayEquals(icmp, written.get(2).packet());
        assertArrayEquals(payloads(in), payloadOf(written.get(3).packet()));
    }

    @Test
    void aShortOrPushedSegmentClosesTheRun() {
        TestPacket flow = TestPacket.v4();
        List<byte[]> in = segments(flow, 3, MSS, 100);
        in.forEach(this::add);
        byte[] after = flow.copy().seq(flow.seq + 2 * MSS + 100).payload(TestPacket.payload(MSS, 9)).bytes();
        assertEquals(Disposition.HELD, add(after), "nothing follows a short segment");
        assertEquals(1, written.size());

        written.clear();
        coalescer.reset();
        TestPacket pushed = TestPacket.v4();
        List<byte[]> run = segments(pushed, 2, MSS, MSS);
        add(run.get(0));
        add(pushed.copy().seq(pushed.seq + MSS).payload(TestPacket.payload(MSS, 1)).flags(PacketHeaders.ACK | PacketHeaders.PSH).bytes());
        assertEquals(1, written.size(), "PSH closed it");
        assertEquals(PacketHeaders.ACK | PacketHeaders.PSH, tcpFlags(written.get(0).packet()), "PSH carried onto the merged packet");
    }

    @Test
    void aPushedSegmentOfANewFlowDoesNotEvictAnOpenRun() {
        for (int f = 0; f < TcpCoalescer.MAX_FLOWS; f++) {
            TestPacket flow = TestPacket.v4();
            flow.srcPort = 30000 + f;
            add(flow.payload(TestPacket.payload(MSS, f)).bytes());
        }
        TestPacket pushed = TestPacket.v4().flags(PacketHeaders.ACK | PacketHeaders.PSH).payload(TestPacket.payload(10, 0));
        pushed.srcPort = 31000;
        assertEquals(Disposition.WRITTEN_ALONE, add(pushed.bytes()));
        assertEquals(1, written.size(), "only the pushed packet; all eight runs stay open");
    }

    @Test
    void aLargerSegmentAfterASmallerFirstIsNotMerged() {
        TestPacket flow = TestPacket.v4();
        add(flow.copy().payload(TestPacket.payload(500, 0)).bytes());
        assertEquals(Disposition.HELD, add(flow.copy().seq(flow.seq + 500).payload(TestPacket.payload(1000, 1)).bytes()));
        coalescer.flush();
        assertEquals(2, written.size());
        assertEquals(0, written.get(0).gsoType());
    }

    @Test
    void runsStopAtSixtyFourSegmentsAndAtTheByteLimit() {
        List<byte[]> small = segments(TestPacket.v4(), 70, 100, 100);
        small.forEach(this::add);
        coalescer.flush();
        assertEquals(2, written.size());
        assertEquals(64 * 100, payloadOf(written.get(0).packet()).length);
        assertEquals(6 * 100, payloadOf(written.get(1).packet()).length);

        written.clear();
        List<byte[]> big = segments(TestPacket.v4(), 50, MSS, MSS);
        big.forEach(this::add);
        coalescer.flush();
        assertEquals(2, written.size());
        assertEquals(44 * MSS, payloadOf(written.get(0).packet()).length, "52 + 45 × 1448 would pass 65,000 bytes");
        assertTrue(written.get(0).packet().length <= TcpCoalescer.MAX_PACKET_LENGTH);
        assertEquals(6 * MSS, payloadOf(written.get(1).packet()).length);
        assertArrayEquals(payloads(big), concat(payloadOf(written.get(0).packet()), payloadOf(written.get(1).packet())));
    }

    @Test
    void moreFlowsThanRunsEvictTheOldestAndLoseNothing() {
        int flows = TcpCoalescer.MAX_FLOWS + 3;
        List<List<byte[]>> all = new ArrayList<>();
        for (int f = 0; f < flows; f++) {
            TestPacket flow = TestPacket.v4();
            flow.srcPort = 30000 + f;
            all.add(segments(flow, 4, MSS, MSS));
        }
        for (int k = 0; k < 4; k++) {
            for (int f = 0; f < flows; f++) {
                add(all.get(f).get(k));
            }
        }
        coalescer.flush();
        for (int f = 0; f < flows; f++) {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            for (Written w : written) {
                if (u16(w.packet(), 20) == 30000 + f) {
                    got.writeBytes(payloadOf(w.packet()));
                    assertTrue(TestPacket.tcpChecksumValid(w.completed()));
                }
            }
            assertArrayEquals(payloads(all.get(f)), got.toByteArray(), "flow " + f + ": every byte once, in order");
        }
    }

    @Test
    void damagedSegmentsAreNotMergedSoTheKernelDropsThem() {
        TestPacket flow = TestPacket.v4();
        List<byte[]> in = segments(flow, 3, MSS, MSS);
        byte[] damaged = in.get(1).clone();
        damaged[100] ^= 0x01;
        byte[] badHeader = in.get(2).clone();
        badHeader[10] ^= 0x01; // IPv4 header checksum
        add(in.get(0));
        assertEquals(Disposition.WRITTEN_ALONE, add(damaged));
        assertEquals(Disposition.WRITTEN_ALONE, add(badHeader));
        assertArrayEquals(in.get(0), written.get(0).packet(), "the run first: order within the flow kept");
        assertArrayEquals(damaged, written.get(1).packet());
    }

    @Test
    void ipv4WithoutDfOrWithOptionsOrFragmentedGoesAlone() {
        TestPacket noDf = TestPacket.v4().payload(TestPacket.payload(MSS, 0));
        noDf.fragment = 0;
        assertEquals(Disposition.WRITTEN_ALONE, add(noDf.bytes()));
        TestPacket fragment = TestPacket.v4().payload(TestPacket.payload(MSS, 0));
        fragment.fragment = 0x2000; // MF
        assertEquals(Disposition.WRITTEN_ALONE, add(fragment.bytes()));
        byte[] plain = TestPacket.v4().payload(TestPacket.payload(MSS, 0)).bytes();
        byte[] withOptions = new byte[plain.length + 4];
        System.arraycopy(plain, 0, withOptions, 0, 20);
        System.arraycopy(plain, 20, withOptions, 24, plain.length - 20);
        withOptions[0] = 0x46;
        TestPacket.putShort(withOptions, 2, withOptions.length);
        TestPacket.putShort(withOptions, 10, 0);
        TestPacket.putShort(withOptions, 10, ~(int) TestPacket.fold(TestPacket.sum(withOptions, 0, 24)) & 0xffff);
        assertEquals(Disposition.WRITTEN_ALONE, add(withOptions));
        assertEquals(3, written.size());
    }

    @Test
    void malformedPacketsPassAloneNeverThrowNorReadPastTheirBytes() {
        Random random = new Random(7);
        byte[] good = TestPacket.v4().payload(TestPacket.payload(1000, 1)).bytes();
        byte[] good6 = TestPacket.v6().payload(TestPacket.payload(1000, 1)).bytes();
        int count = 0;
        for (byte[] base : List.of(good, good6)) {
            for (int cut = 0; cut < 120; cut++) {
                add(Arrays.copyOf(base, cut));
                count++;
            }
            for (int i = 0; i < 3000; i++) {
                byte[] bad = base.clone();
                for (int j = 0; j < 3; j++) {
                    bad[random.nextInt(80)] = (byte) random.nextInt();
                }
                add(bad);
                count++;
            }
        }
        byte[] hopByHop = good6.clone();
        hopByHop[6] = 0;
        assertEquals(Disposition.WRITTEN_ALONE, add(hopByHop));
        count++;
        coalescer.flush();
        int segments = 0;
        for (Written w : written) {
            segments += w.merged() ? payloadOf(w.packet()).length / VirtioNetHeader.gsoSize(w.header(), 0)
                + (payloadOf(w.packet()).length % VirtioNetHeader.gsoSize(w.header(), 0) == 0 ? 0 : 1) : 1;
        }
        assertEquals(count, segments, "every packet written exactly once");
    }

    @Test
    void callerErrorsThrow() {
        ByteBuffer little = ByteBuffer.allocateDirect(100).order(ByteOrder.LITTLE_ENDIAN);
        assertThrows(IllegalArgumentException.class, () -> coalescer.add(little, 0, 100));
        ByteBuffer b = ByteBuffer.allocateDirect(100);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> coalescer.add(b, 50, 51));
        assertTrue(e.getMessage().contains("packet region [50, +51)"), e.getMessage());
    }

    @Test
    void addingAndFlushingDoNotAllocate() {
        Allocation.requireMeasurable();
        TcpCoalescer quiet = new TcpCoalescer((buffer, offset, length) -> { });
        TestPacket flow = TestPacket.v4();
        List<byte[]> in = segments(flow, 8, MSS, MSS);
        ByteBuffer[] bufs = new ByteBuffer[in.size()];
        for (int i = 0; i < bufs.length; i++) {
            bufs[i] = TestPacket.direct(0, in.get(i));
        }
        Runnable batch = () -> {
            for (ByteBuffer p : bufs) {
                quiet.add(p, 0, p.capacity());
            }
            quiet.flush();
        };
        assertTrue(Allocation.bytesAllocatedBy(batch, 10_000) < 4096, "allocation per 80,000 adds");
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
