package dev.weft.agent.offload;

import java.nio.ByteBuffer;

/**
 * Software GRO for the UDP → TUN direction: merges consecutive in-order TCP segments of one flow,
 * received as separate datagrams in one receive batch, into one super-packet that a single write
 * to an {@code IFF_VNET_HDR} TUN device delivers (gso_type TCPV4/TCPV6, NEEDS_CSUM), so the kernel
 * handles a few large packets instead of many small ones.
 *
 * <p>Use, once per receive batch on one thread:
 * <pre>
 *   for each datagram: coalescer.add(buf, off, len);   // one whole IP packet each
 *   coalescer.flush();
 * </pre>
 * Every packet reaches the {@link Sink} exactly once, as a region of a buffer owned by the
 * coalescer holding a 10-byte virtio-net header and then the packet. A packet that cannot be merged
 * is written alone with an all-zero header, during {@code add}; merged runs are written when they
 * close or on {@code flush}. Packets of one flow (addresses and ports) keep their order; packets of
 * different flows may be written in another order than they came.
 *
 * <p>A segment joins the flow's open run only if it is ACK-only (PSH allowed, and it closes the
 * run), carries payload, has correct IPv4 header and TCP checksums (a merged packet is marked
 * NEEDS_CSUM, which the kernel trusts, so a damaged segment must reach the kernel alone to be
 * dropped there), starts at the run's next sequence number, is no longer than the run's first
 * segment (a shorter one closes the run), and matches the run's first segment in ack, window, TCP
 * header length and option bytes, IPv4 TOS and TTL with DF set, no IP options and no fragmentation
 * (IPv6: version/traffic class/flow label word and hop limit). So CE-marked and non-CE segments
 * never merge, and a CWR segment always goes alone. A run holds at most {@value #MAX_SEGMENTS}
 * segments and {@value #MAX_PACKET_LENGTH} bytes; {@value #MAX_FLOWS} runs are open at a time
 * (the oldest is written to make room).
 *
 * <p>Not thread-safe; allocates its scratch buffers (about {@code (MAX_FLOWS + 1) × 64 KiB}, direct)
 * once, then nothing per packet.
 */
public final class TcpCoalescer {
    /** Receives each ready region: virtio-net header + one IP packet, to write to TUN as is. */
    @FunctionalInterface
    public interface Sink {
        /** The region is valid only during the call: write it (or copy it) before returning. */
        void write(ByteBuffer buffer, int offset, int length);
    }

    /** What {@link #add} did with a packet. */
    public enum Disposition {
        /** Appended to its flow's open run. */
        MERGED,
        /** Opened a new run; written by the time {@link #flush()} returns, maybe merged with later ones. */
        HELD,
        /** Not a merge candidate: written alone (zero virtio header) before add returned. */
        WRITTEN_ALONE
    }

    public static final int MAX_FLOWS = 8;
    public static final int MAX_SEGMENTS = 64;
    /** Largest merged IP packet: under the 65,535 an IP length field holds, as the kernel's GRO. */
    public static final int MAX_PACKET_LENGTH = 65_000;
    private static final int MAX_DATAGRAM = 65_535;
    private static final int IP = VirtioNetHeader.LENGTH; // where the packet starts in a scratch buffer

    private final Sink sink;
    private final Run[] runs = new Run[MAX_FLOWS];
    private final ByteBuffer alone = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH + MAX_DATAGRAM);
    private final PacketHeaders packet = new PacketHeaders();
    private long started;

    /** One open run: a copy of its first segment's headers followed by the merged payload. */
    private static final class Run {
        final ByteBuffer buf = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH + MAX_DATAGRAM);
        boolean open;
        long order;
        // flow key: IPv4 addresses sit in the low halves of src1/dst1
        boolean v6;
        long src0;
        long src1;
        long dst0;
        long dst1;
        int ports;
        int ipHeaderLength;
        int tcpHeaderLength;
        int mss;
        int nextSeq;
        int segments;
        /** Length of the merged IP packet so far. */
        int length;
    }

    public TcpCoalescer(Sink sink) {
        this.sink = sink;
        for (int i = 0; i < MAX_FLOWS; i++) {
            runs[i] = new Run();
        }
    }

    /**
     * Takes one received IP packet, {@code length} bytes at {@code off} in {@code b}. The bytes are
     * copied (never modified), so the caller may reuse its buffer as soon as add returns.
     *
     * @throws IllegalArgumentException only for a caller error: a little-endian buffer, a region
     *     outside the buffer, or more than 65,535 bytes
     */
    public Disposition add(ByteBuffer b, int off, int length) {
        PacketHeaders.requireNetworkOrder(b, "packet buffer");
        PacketHeaders.requireRegion(b, off, length, "packet");
        if (length > MAX_DATAGRAM) {
            throw new IllegalArgumentException("packet length " + length + " exceeds a datagram's " + MAX_DATAGRAM);
        }
        if (!packet.parseTcp(b, off, length)) {
            writeAlone(b, off, length); // not TCP or malformed: the kernel decides
            return Disposition.WRITTEN_ALONE;
        }
        Run run = find(b, off);
        if (!isCandidate(b, off)) {
            if (run != null) {
                write(run);
            }
            writeAlone(b, off, length);
            return Disposition.WRITTEN_ALONE;
        }
        if (run != null) {
            if (continues(run, b, off)) {
                append(run, b, off);
                return Disposition.MERGED;
            }
            write(run);
        }
        if ((b.get(off + packet.ipHeaderLength + PacketHeaders.TCP_FLAGS) & PacketHeaders.PSH) != 0) {
            writeAlone(b, off, length); // PSH would close a new run at once
            return Disposition.WRITTEN_ALONE;
        }
        start(run != null ? run : freeRun(), b, off, length);
        return Disposition.HELD;
    }

    /** Writes every open run; call at the end of each receive batch. */
    public void flush() {
        for (Run run : runs) {
            if (run.open) {
                write(run);
            }
        }
    }

    /** Forgets open runs without writing them (after the sink failed, say). */
    public void reset() {
        for (Run run : runs) {
            run.open = false;
        }
    }

    /** The open run of the packet's flow (same version, addresses and ports), or null. */
    private Run find(ByteBuffer b, int ip) {
        int ports = b.getInt(ip + packet.ipHeaderLength);
        for (Run run : runs) {
            if (!run.open || run.ports != ports || run.v6 != packet.v6) {
                continue;
            }
            if (packet.v6) {
                if (run.src0 == b.getLong(ip + 8) && run.src1 == b.getLong(ip + 16)
                        && run.dst0 == b.getLong(ip + 24) && run.dst1 == b.getLong(ip + 32)) {
                    return run;
                }
            } else if (run.src1 == b.getInt(ip + 12) && run.dst1 == b.getInt(ip + 16)) {
                return run;
            }
        }
        return null;
    }

    /** A segment that may be merged at all: see the class comment. */
    private boolean isCandidate(ByteBuffer b, int ip) {
        if (packet.payloadLength == 0) {
            return false;
        }
        int flags = b.get(ip + packet.ipHeaderLength + PacketHeaders.TCP_FLAGS) & 0xff;
        if ((flags & ~PacketHeaders.PSH) != PacketHeaders.ACK) {
            return false;
        }
        if (!packet.v6) {
            if (packet.ipHeaderLength != PacketHeaders.IPV4_MIN_HEADER
                    || (b.getShort(ip + 6) & 0xffff) != 0x4000 // DF only: no reserved bit, MF, offset
                    || !Checksums.ipv4HeaderChecksumValid(b, ip, PacketHeaders.IPV4_MIN_HEADER)) {
                return false;
            }
        }
        int tcpLength = packet.transportHeaderLength + packet.payloadLength;
        long sum = packet.pseudoHeader(b, ip, Checksums.PROTO_TCP, tcpLength);
        return Checksums.fold(Checksums.sum(b, ip + packet.ipHeaderLength, tcpLength, sum)) == 0xffff;
    }

    /** True if the candidate at {@code ip} continues {@code run}: in order, same headers, room left. */
    private boolean continues(Run run, ByteBuffer b, int ip) {
        ByteBuffer r = run.buf;
        int ipHeader = packet.ipHeaderLength;
        if (packet.transportHeaderLength != run.tcpHeaderLength
                || packet.payloadLength > run.mss
                || run.length + packet.payloadLength > MAX_PACKET_LENGTH) {
            return false;
        }
        if (packet.v6) {
            if (b.getInt(ip) != r.getInt(IP) || b.get(ip + 7) != r.get(IP + 7)) {
                return false;
            }
        } else if (b.get(ip + 1) != r.get(IP + 1) || b.get(ip + 8) != r.get(IP + 8)) {
            return false;
        }
        int t = ip + ipHeader;
        int rt = IP + ipHeader;
        if (b.getInt(t + PacketHeaders.TCP_SEQ) != run.nextSeq
                || b.getInt(t + PacketHeaders.TCP_ACK) != r.getInt(rt + PacketHeaders.TCP_ACK)
                || b.getShort(t + PacketHeaders.TCP_WINDOW) != r.getShort(rt + PacketHeaders.TCP_WINDOW)) {
            return false;
        }
        for (int i = PacketHeaders.TCP_MIN_HEADER; i < packet.transportHeaderLength; i += 4) {
            if (b.getInt(t + i) != r.getInt(rt + i)) {
                return false;
            }
        }
        return true;
    }

    private Run freeRun() {
        Run oldest = runs[0];
        for (Run run : runs) {
            if (!run.open) {
                return run;
            }
            if (run.order < oldest.order) {
                oldest = run;
            }
        }
        write(oldest);
        return oldest;
    }

    private void start(Run run, ByteBuffer b, int ip, int length) {
        run.buf.put(IP, b, ip, length);
        run.open = true;
        run.order = started++;
        run.v6 = packet.v6;
        if (packet.v6) {
            run.src0 = b.getLong(ip + 8);
            run.src1 = b.getLong(ip + 16);
            run.dst0 = b.getLong(ip + 24);
            run.dst1 = b.getLong(ip + 32);
        } else {
            run.src0 = 0;
            run.src1 = b.getInt(ip + 12);
            run.dst0 = 0;
            run.dst1 = b.getInt(ip + 16);
        }
        run.ports = b.getInt(ip + packet.ipHeaderLength);
        run.ipHeaderLength = packet.ipHeaderLength;
        run.tcpHeaderLength = packet.transportHeaderLength;
        run.mss = packet.payloadLength;
        run.nextSeq = b.getInt(ip + packet.ipHeaderLength + PacketHeaders.TCP_SEQ) + packet.payloadLength;
        run.segments = 1;
        run.length = length;
        closeIfFull(run);
    }

    private void append(Run run, ByteBuffer b, int ip) {
        int payload = packet.payloadLength;
        run.buf.put(IP + run.length, b, ip + packet.headersLength, payload);
        run.length += payload;
        run.nextSeq += payload;
        run.segments++;
        boolean psh = (b.get(ip + packet.ipHeaderLength + PacketHeaders.TCP_FLAGS) & PacketHeaders.PSH) != 0;
        if (psh) {
            int flagsAt = IP + run.ipHeaderLength + PacketHeaders.TCP_FLAGS;
            run.buf.put(flagsAt, (byte) (run.buf.get(flagsAt) | PacketHeaders.PSH));
        }
        if (psh || payload < run.mss) {
            write(run);
        } else {
            closeIfFull(run);
        }
    }

    /** Writes the run now if no further full segment could join it. */
    private void closeIfFull(Run run) {
        if (run.segments >= MAX_SEGMENTS || run.length + run.mss > MAX_PACKET_LENGTH) {
            write(run);
        }
    }

    /** Closes the run and hands it to the sink: a GSO super-packet, or its only segment unchanged. */
    private void write(Run run) {
        run.open = false;
        ByteBuffer r = run.buf;
        if (run.segments == 1) {
            VirtioNetHeader.writeNone(r, 0);
            sink.write(r, 0, IP + run.length);
            return;
        }
        int ipHeader = run.ipHeaderLength;
        int tcpLength = run.length - ipHeader;
        int gsoType;
        long pseudo;
        if (run.v6) {
            r.putShort(IP + 4, (short) tcpLength);
            pseudo = Checksums.pseudoHeaderIpv6(r, IP, Checksums.PROTO_TCP, tcpLength);
            gsoType = VirtioNetHeader.GSO_TCPV6;
        } else {
            r.putShort(IP + 2, (short) run.length);
            Checksums.writeIpv4HeaderChecksum(r, IP, ipHeader);
            pseudo = Checksums.pseudoHeaderIpv4(r, IP, Checksums.PROTO_TCP, tcpLength);
            gsoType = VirtioNetHeader.GSO_TCPV4;
        }
        // NEEDS_CSUM: the kernel sums from csum_start to the end onto what the field holds.
        r.putShort(IP + ipHeader + PacketHeaders.TCP_CHECKSUM, (short) Checksums.fold(pseudo));
        VirtioNetHeader.write(r, 0, VirtioNetHeader.FLAG_NEEDS_CSUM, gsoType, ipHeader + run.tcpHeaderLength,
            run.mss, ipHeader, PacketHeaders.TCP_CHECKSUM);
        sink.write(r, 0, IP + run.length);
    }

    private void writeAlone(ByteBuffer b, int off, int length) {
        VirtioNetHeader.writeNone(alone, 0);
        alone.put(IP, b, off, length);
        sink.write(alone, 0, IP + length);
    }
}
