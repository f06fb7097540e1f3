package dev.weft.agent.offload;

import java.nio.ByteBuffer;

/**
 * Software GSO for packets read from a TUN device with {@code IFF_VNET_HDR} and offloads on
 * (TUN_F_CSUM, TUN_F_TSO4/6, TUN_F_USO4/6): the kernel hands over TCP or UDP "super-packets" of up
 * to ~64 KB with a partial checksum; Flannel's wire format needs one whole, valid IP packet per
 * datagram. {@link #segment} splits a super-packet the way the kernel's own GSO would: every
 * segment carries the full IP and transport headers (TCP options included), IPv4 id + 1 per
 * segment (the first keeps the original), lengths and checksums recomputed. TCP (tcp_gso_segment):
 * seq = seq0 + k·gso_size, FIN and PSH on the last segment only, CWR on the first only, other flags
 * copied. UDP (USO, __udp_gso_segment): each segment is a datagram of gso_size payload bytes (the
 * last may be shorter) with its own UDP length and checksum.
 *
 * <p>One instance per thread (it keeps parse state); no allocation per call.
 */
public final class GsoSegmenter {
    private final PacketHeaders packet = new PacketHeaders();

    /**
     * Handles one TUN read: {@code length} bytes at {@code off} in {@code in}, a virtio-net header
     * followed by one IP packet. On success ({@link SegmentResult#ok()}) {@code into} says where the
     * resulting packets are:
     * <ul>
     * <li>gso_type TCPV4/TCPV6 (ECN bit allowed) or UDP_L4: the segments, written back to back into
     *     {@code out} from {@code outOff}; {@code in} is left as it was. → {@link SegmentResult#SEGMENTED}</li>
     * <li>gso_type NONE with NEEDS_CSUM: the packet in {@code in} (from {@code off + 10}) with its
     *     checksum completed in place, whatever its protocol. → {@link SegmentResult#CHECKSUM_COMPLETED}</li>
     * <li>gso_type NONE otherwise: the packet in {@code in}, untouched. → {@link SegmentResult#PASSED_THROUGH}</li>
     * </ul>
     * Otherwise the result names what is wrong and {@code into} is unchanged. The virtio header's
     * hdr_len and csum fields are not trusted for super-packets (the kernel may set hdr_len to the
     * whole linear part): headers are parsed and checksums computed from scratch. {@code in} and
     * {@code out} must not overlap; offsets are absolute and bounded by capacity, not limit.
     *
     * @throws IllegalArgumentException only for a caller error: a buffer not in big-endian order,
     *     a region outside a buffer's capacity
     */
    public SegmentResult segment(ByteBuffer in, int off, int length, ByteBuffer out, int outOff, Segments into) {
        PacketHeaders.requireNetworkOrder(in, "input buffer");
        PacketHeaders.requireNetworkOrder(out, "output buffer");
        PacketHeaders.requireRegion(in, off, length, "input");
        if (length < VirtioNetHeader.LENGTH + 1) {
            return SegmentResult.TRUNCATED;
        }
        int ip = off + VirtioNetHeader.LENGTH;
        int ipLength = length - VirtioNetHeader.LENGTH;
        int gsoType = VirtioNetHeader.gsoType(in, off) & ~VirtioNetHeader.GSO_ECN;
        boolean tcp;
        switch (gsoType) {
            case VirtioNetHeader.GSO_NONE:
                return single(in, off, ip, ipLength, into);
            case VirtioNetHeader.GSO_TCPV4:
            case VirtioNetHeader.GSO_TCPV6:
                tcp = true;
                break;
            case VirtioNetHeader.GSO_UDP_L4: // one type for both IP versions
                tcp = false;
                break;
            default:
                return SegmentResult.UNSUPPORTED_GSO_TYPE;
        }
        if (!(tcp ? packet.parseTcp(in, ip, ipLength) : packet.parseUdp(in, ip, ipLength))) {
            return packet.error;
        }
        if (tcp && packet.v6 != (gsoType == VirtioNetHeader.GSO_TCPV6)) {
            return SegmentResult.GSO_TYPE_MISMATCH;
        }
        int mss = VirtioNetHeader.gsoSize(in, off);
        if (mss == 0) {
            return SegmentResult.BAD_VIRTIO_HEADER;
        }
        int headers = packet.headersLength;
        int payload = packet.payloadLength;
        int count = payload == 0 ? 1 : (payload + mss - 1) / mss;
        long needed = (long) count * headers + payload;
        if (outOff < 0 || needed > out.capacity() - (long) outOff) {
            return SegmentResult.OUTPUT_TOO_SMALL;
        }
        split(in, ip, out, outOff, mss, count, tcp);
        int firstLength = headers + Math.min(mss, payload);
        int lastLength = headers + (payload - (count - 1) * mss);
        into.set(out, outOff, count, firstLength, lastLength);
        return SegmentResult.SEGMENTED;
    }

    private static SegmentResult single(ByteBuffer in, int off, int ip, int ipLength, Segments into) {
        if ((VirtioNetHeader.flags(in, off) & VirtioNetHeader.FLAG_NEEDS_CSUM) == 0) {
            into.set(in, ip, 1, ipLength, ipLength);
            return SegmentResult.PASSED_THROUGH;
        }
        int start = VirtioNetHeader.csumStart(in, off);
        int field = start + VirtioNetHeader.csumOffset(in, off);
        if (field + 2 > ipLength) {
            return SegmentResult.BAD_VIRTIO_HEADER;
        }
        Checksums.completePartial(in, ip, ipLength, start, VirtioNetHeader.csumOffset(in, off));
        into.set(in, ip, 1, ipLength, ipLength);
        return SegmentResult.CHECKSUM_COMPLETED;
    }

    /** Writes {@code count} segments of the parsed packet at {@code ip}; bounds were checked by the caller. */
    private void split(ByteBuffer in, int ip, ByteBuffer out, int outOff, int mss, int count, boolean tcp) {
        int ipHeader = packet.ipHeaderLength;
        int headers = packet.headersLength;
        int payload = packet.payloadLength;
        boolean v6 = packet.v6;
        int protocol = tcp ? Checksums.PROTO_TCP : Checksums.PROTO_UDP;
        int l4 = ip + ipHeader;
        int seq0 = tcp ? in.getInt(l4 + PacketHeaders.TCP_SEQ) : 0;
        int flags0 = tcp ? in.get(l4 + PacketHeaders.TCP_FLAGS) & 0xff : 0;
        int id0 = v6 ? 0 : in.getShort(ip + 4) & 0xffff;
        // The addresses are the same in every segment: sum them once.
        long addresses = packet.pseudoHeader(in, ip, protocol, 0);
        int from = ip + headers;
        int at = outOff;
        for (int k = 0; k < count; k++) {
            int chunk = Math.min(mss, payload - k * mss);
            int segmentLength = headers + chunk;
            out.put(at, in, ip, headers);
            out.put(at + headers, in, from, chunk);
            if (v6) {
                out.putShort(at + 4, (short) (segmentLength - PacketHeaders.IPV6_HEADER));
            } else {
                out.putShort(at + 2, (short) segmentLength);
                out.putShort(at + 4, (short) (id0 + k));
                Checksums.writeIpv4HeaderChecksum(out, at, ipHeader);
            }
            int t = at + ipHeader;
            int l4Length = segmentLength - ipHeader;
            int checksumAt;
            if (tcp) {
                out.putInt(t + PacketHeaders.TCP_SEQ, seq0 + k * mss);
                int flags = flags0;
                if (k < count - 1) {
                    flags &= ~(PacketHeaders.FIN | PacketHeaders.PSH);
                }
                if (k > 0) {
                    flags &= ~PacketHeaders.CWR;
                }
                out.put(t + PacketHeaders.TCP_FLAGS, (byte) flags);
                checksumAt = t + PacketHeaders.TCP_CHECKSUM;
            } else {
                out.putShort(t + PacketHeaders.UDP_LENGTH, (short) l4Length);
                checksumAt = t + PacketHeaders.UDP_CHECKSUM;
            }
            out.putShort(checksumAt, (short) 0);
            int checksum = Checksums.finish(Checksums.sum(out, t, l4Length, addresses + l4Length));
            // UDP sends a computed 0 as 0xffff: 0 means "no checksum" (RFC 768), and IPv6 forbids that.
            out.putShort(checksumAt, (short) (!tcp && checksum == 0 ? 0xffff : checksum));
            from += chunk;
            at += segmentLength;
        }
    }
}
