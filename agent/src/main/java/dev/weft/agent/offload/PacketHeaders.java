package dev.weft.agent.offload;

import java.nio.ByteBuffer;

/**
 * Parses the IP header and the TCP or UDP header of one packet into reusable fields (one instance
 * per thread, no allocation). Checks every length against the bytes available before reading a
 * field, so a malformed packet yields a {@link SegmentResult} and never an out-of-bounds read.
 */
final class PacketHeaders {
    static final int IPV4_MIN_HEADER = 20;
    static final int IPV6_HEADER = 40;
    static final int TCP_MIN_HEADER = 20;
    static final int UDP_HEADER = 8;
    /** Offsets inside the UDP header. */
    static final int UDP_LENGTH = 4;
    static final int UDP_CHECKSUM = 6;
    /** Offsets inside the TCP header. */
    static final int TCP_SEQ = 4;
    static final int TCP_ACK = 8;
    static final int TCP_FLAGS = 13;
    static final int TCP_WINDOW = 14;
    static final int TCP_CHECKSUM = 16;

    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int RST = 0x04;
    static final int PSH = 0x08;
    static final int ACK = 0x10;
    static final int URG = 0x20;
    static final int ECE = 0x40;
    static final int CWR = 0x80;

    boolean v6;
    int ipHeaderLength;
    /** The TCP header with its options, or the UDP header. */
    int transportHeaderLength;
    /** IP header plus transport header. */
    int headersLength;
    int payloadLength;

    /** Why the last parse failed. */
    SegmentResult error;

    /**
     * Parses the packet of {@code length} bytes at {@code ip}: true for a well-formed TCP packet,
     * whose fields are then set; false with the reason in {@link #error}.
     */
    boolean parseTcp(ByteBuffer b, int ip, int length) {
        if (!parseIp(b, ip, length, Checksums.PROTO_TCP)) {
            return false;
        }
        if (ipHeaderLength + TCP_MIN_HEADER > length) {
            return fail(SegmentResult.TRUNCATED);
        }
        int dataOffset = ((b.get(ip + ipHeaderLength + 12) & 0xff) >>> 4) * 4;
        if (dataOffset < TCP_MIN_HEADER) {
            return fail(SegmentResult.BAD_TCP_HEADER);
        }
        if (ipHeaderLength + dataOffset > length) {
            return fail(SegmentResult.TRUNCATED);
        }
        return transport(dataOffset, length);
    }

    /** As {@link #parseTcp}, for a UDP packet (its UDP length field is not checked: a USO read's is stale). */
    boolean parseUdp(ByteBuffer b, int ip, int length) {
        if (!parseIp(b, ip, length, Checksums.PROTO_UDP)) {
            return false;
        }
        if (ipHeaderLength + UDP_HEADER > length) {
            return fail(SegmentResult.TRUNCATED);
        }
        return transport(UDP_HEADER, length);
    }

    private boolean transport(int headerLength, int length) {
        transportHeaderLength = headerLength;
        headersLength = ipHeaderLength + headerLength;
        payloadLength = length - headersLength;
        return true;
    }

    /** The IP header: version, lengths, no fragment, no IPv6 extension header, and the expected protocol. */
    private boolean parseIp(ByteBuffer b, int ip, int length, int protocol) {
        if (length < 1) {
            return fail(SegmentResult.TRUNCATED);
        }
        int version = (b.get(ip) & 0xff) >>> 4;
        if (version == 4) {
            if (length < IPV4_MIN_HEADER) {
                return fail(SegmentResult.TRUNCATED);
            }
            int ihl = (b.get(ip) & 0x0f) * 4;
            if (ihl < IPV4_MIN_HEADER) {
                return fail(SegmentResult.BAD_IP_HEADER);
            }
            if (ihl > length) {
                return fail(SegmentResult.TRUNCATED);
            }
            if ((b.getShort(ip + 2) & 0xffff) != length) {
                return fail(SegmentResult.IP_LENGTH_MISMATCH);
            }
            if ((b.getShort(ip + 6) & 0x3fff) != 0) { // MF or a fragment offset
                return fail(SegmentResult.IP_FRAGMENT);
            }
            if ((b.get(ip + 9) & 0xff) != protocol) {
                return fail(SegmentResult.WRONG_PROTOCOL);
            }
            v6 = false;
            ipHeaderLength = ihl;
        } else if (version == 6) {
            if (length < IPV6_HEADER) {
                return fail(SegmentResult.TRUNCATED);
            }
            if ((b.getShort(ip + 4) & 0xffff) + IPV6_HEADER != length) {
                return fail(SegmentResult.IP_LENGTH_MISMATCH);
            }
            int next = b.get(ip + 6) & 0xff;
            if (next != protocol) {
                return fail(isIpv6ExtensionHeader(next) ? SegmentResult.IPV6_EXTENSION_HEADER : SegmentResult.WRONG_PROTOCOL);
            }
            v6 = true;
            ipHeaderLength = IPV6_HEADER;
        } else {
            return fail(SegmentResult.BAD_IP_HEADER);
        }
        return true;
    }

    private boolean fail(SegmentResult reason) {
        error = reason;
        return false;
    }

    /** Unfolded pseudo-header sum of the parsed packet at {@code ip} for {@code protocol} and an L4 length. */
    long pseudoHeader(ByteBuffer b, int ip, int protocol, int l4Length) {
        return v6
            ? Checksums.pseudoHeaderIpv6(b, ip, protocol, l4Length)
            : Checksums.pseudoHeaderIpv4(b, ip, protocol, l4Length);
    }

    /** Hop-by-hop, routing, fragment, ESP, AH, destination options, mobility, HIP, shim6, experimental (IANA). */
    static boolean isIpv6ExtensionHeader(int next) {
        return switch (next) {
            case 0, 43, 44, 50, 51, 60, 135, 139, 140, 253, 254 -> true;
            default -> false;
        };
    }

    /** Data-path buffers are read with ByteBuffer's absolute getters, which follow the buffer's byte order. */
    static void requireNetworkOrder(ByteBuffer b, String name) {
        if (b.order() != java.nio.ByteOrder.BIG_ENDIAN) {
            throw new IllegalArgumentException(name + " must be in big-endian (network) byte order, found " + b.order());
        }
    }

    /** A caller's region must lie inside the buffer: a programming error otherwise, not a bad packet. */
    static void requireRegion(ByteBuffer b, int off, int length, String name) {
        if (off < 0 || length < 0 || off > b.capacity() - length) {
            throw new IllegalArgumentException(name + " region [" + off + ", +" + length + ") lies outside the buffer's capacity "
                + b.capacity());
        }
    }
}
