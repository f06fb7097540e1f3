package dev.weft.agent.offload;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Builds IPv4/IPv6 TCP packets byte by byte for the offload tests, and checks checksums with its
 * own plain 16-bit RFC 1071 loop, independent of {@link Checksums}.
 */
final class TestPacket {
    static final int TCP = 6;
    static final int UDP = 17;

    boolean v6;
    int tos;
    int ttl = 64;
    int id = 0x1234;
    int fragment = 0x4000; // DF
    int flowLabel = 0x12345;
    byte[] src = {10, 1, 15, 2};
    byte[] dst = {10, 1, 20, 3};
    int srcPort = 40000;
    int dstPort = 5201;
    int seq = 0x7fff_fff0; // wraps past 2^31 and 2^32 in longer tests
    int ack = 0x0bad_cafe;
    int flags = PacketHeaders.ACK;
    int window = 502;
    byte[] options = timestamps(0x01020304, 0x0a0b0c0d);
    byte[] payload = new byte[0];

    static TestPacket v4() {
        return new TestPacket();
    }

    static TestPacket v6() {
        TestPacket p = new TestPacket();
        p.v6 = true;
        p.src = bytes("fd00:0:0:1::2");
        p.dst = bytes("fd00:0:0:2::3");
        return p;
    }

    /** NOP, NOP, timestamps: the 12 option bytes Linux puts on every segment. */
    static byte[] timestamps(int value, int echo) {
        return ByteBuffer.allocate(12).put((byte) 1).put((byte) 1).put((byte) 8).put((byte) 10)
            .putInt(value).putInt(echo).array();
    }

    static byte[] payload(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (i * 31 + seed * 7 + (i >>> 8));
        }
        return b;
    }

    TestPacket copy() {
        TestPacket p = new TestPacket();
        p.v6 = v6;
        p.tos = tos;
        p.ttl = ttl;
        p.id = id;
        p.fragment = fragment;
        p.flowLabel = flowLabel;
        p.src = src.clone();
        p.dst = dst.clone();
        p.srcPort = srcPort;
        p.dstPort = dstPort;
        p.seq = seq;
        p.ack = ack;
        p.flags = flags;
        p.window = window;
        p.options = options.clone();
        p.payload = payload.clone();
        return p;
    }

    TestPacket payload(byte[] bytes) {
        payload = bytes;
        return this;
    }

    TestPacket seq(int value) {
        seq = value;
        return this;
    }

    TestPacket flags(int value) {
        flags = value;
        return this;
    }

    int ipHeaderLength() {
        return v6 ? 40 : 20;
    }

    int headersLength() {
        return ipHeaderLength() + 20 + options.length;
    }

    /** The packet with correct IPv4 header and TCP checksums. */
    byte[] bytes() {
        byte[] p = unchecked();
        int tcp = ipHeaderLength();
        putShort(p, tcp + 16, ~(int) fold(pseudo(p) + sum(p, tcp, p.length)) & 0xffff);
        return p;
    }

    /** As the kernel hands a TSO/NEEDS_CSUM packet: the TCP checksum field holds the uninverted pseudo-header sum. */
    byte[] partial() {
        byte[] p = unchecked();
        putShort(p, ipHeaderLength() + 16, (int) fold(pseudo(p)));
        return p;
    }

    private byte[] unchecked() {
        int ip = ipHeaderLength();
        int tcpHeader = 20 + options.length;
        byte[] p = new byte[ip + tcpHeader + payload.length];
        writeIpHeader(p, TCP);
        putShort(p, ip, srcPort);
        putShort(p, ip + 2, dstPort);
        putInt(p, ip + 4, seq);
        putInt(p, ip + 8, ack);
        p[ip + 12] = (byte) (tcpHeader / 4 << 4);
        p[ip + 13] = (byte) flags;
        putShort(p, ip + 14, window);
        System.arraycopy(options, 0, p, ip + 20, options.length);
        System.arraycopy(payload, 0, p, ip + tcpHeader, payload.length);
        return p;
    }

    private void writeIpHeader(byte[] p, int protocol) {
        if (v6) {
            putInt(p, 0, 6 << 28 | tos << 20 | flowLabel);
            putShort(p, 4, p.length - 40);
            p[6] = (byte) protocol;
            p[7] = (byte) ttl;
            System.arraycopy(src, 0, p, 8, 16);
            System.arraycopy(dst, 0, p, 24, 16);
        } else {
            p[0] = 0x45;
            p[1] = (byte) tos;
            putShort(p, 2, p.length);
            putShort(p, 4, id);
            putShort(p, 6, fragment);
            p[8] = (byte) ttl;
            p[9] = (byte) protocol;
            System.arraycopy(src, 0, p, 12, 4);
            System.arraycopy(dst, 0, p, 16, 4);
            putShort(p, 10, ~(int) fold(sum(p, 0, 20)) & 0xffff);
        }
    }

    /**
     * These addresses, ports and payload as one UDP packet, the way the kernel hands a USO read: the
     * UDP length covers the whole super-packet, the checksum field holds the uninverted pseudo-header sum.
     */
    byte[] udpPartial() {
        int ip = ipHeaderLength();
        byte[] p = new byte[ip + 8 + payload.length];
        writeIpHeader(p, UDP);
        putShort(p, ip, srcPort);
        putShort(p, ip + 2, dstPort);
        putShort(p, ip + 4, p.length - ip);
        System.arraycopy(payload, 0, p, ip + 8, payload.length);
        putShort(p, ip + 6, (int) fold(udpPseudo(p)));
        return p;
    }

    /** A USO read: NEEDS_CSUM, gso_type UDP_L4, the partial checksum at csum_start + 6. */
    ByteBuffer usoRead(int off, int gsoSize) {
        return withHeader(off, VirtioNetHeader.FLAG_NEEDS_CSUM, VirtioNetHeader.GSO_UDP_L4, ipHeaderLength() + 8,
            gsoSize, ipHeaderLength(), 6, udpPartial());
    }

    /** {@code packet} preceded by a virtio-net header, at {@code off} in a direct buffer of exactly that size. */
    static ByteBuffer withHeader(int off, int flags, int gsoType, int hdrLen, int gsoSize, int csumStart,
                                 int csumOffset, byte[] packet) {
        ByteBuffer b = ByteBuffer.allocateDirect(off + VirtioNetHeader.LENGTH + packet.length);
        VirtioNetHeader.write(b, off, flags, gsoType, hdrLen, gsoSize, csumStart, csumOffset);
        b.put(off + VirtioNetHeader.LENGTH, packet);
        return b;
    }

    /** A TSO read as the kernel gives it: NEEDS_CSUM, partial checksum, hdr_len covering the whole packet. */
    ByteBuffer tsoRead(int off, int mss, int extraGsoBits) {
        byte[] p = partial();
        return withHeader(off, VirtioNetHeader.FLAG_NEEDS_CSUM,
            (v6 ? VirtioNetHeader.GSO_TCPV6 : VirtioNetHeader.GSO_TCPV4) | extraGsoBits,
            p.length, mss, ipHeaderLength(), 16, p);
    }

    static ByteBuffer direct(int off, byte[] packet) {
        ByteBuffer b = ByteBuffer.allocateDirect(off + packet.length);
        b.put(off, packet);
        return b;
    }

    static byte[] region(ByteBuffer b, int off, int length) {
        byte[] out = new byte[length];
        b.get(off, out);
        return out;
    }

    // --- independent checks -------------------------------------------------------------------

    static long sum(byte[] p, int from, int to) {
        long s = 0;
        for (int i = from; i < to; i += 2) {
            int hi = p[i] & 0xff;
            int lo = i + 1 < to ? p[i + 1] & 0xff : 0;
            s += hi << 8 | lo;
        }
        return s;
    }

    static long fold(long s) {
        while (s > 0xffff) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return s;
    }

    static boolean isV6(byte[] p) {
        return (p[0] & 0xff) >>> 4 == 6;
    }

    static int ipHeaderLength(byte[] p) {
        return isV6(p) ? 40 : (p[0] & 0x0f) * 4;
    }

    static long pseudo(byte[] p) {
        int tcpLength = p.length - ipHeaderLength(p);
        return isV6(p) ? sum(p, 8, 40) + TCP + tcpLength : sum(p, 12, 20) + TCP + tcpLength;
    }

    static boolean tcpChecksumValid(byte[] p) {
        return fold(pseudo(p) + sum(p, ipHeaderLength(p), p.length)) == 0xffff;
    }

    private static long udpPseudo(byte[] p) {
        int udpLength = p.length - ipHeaderLength(p);
        return isV6(p) ? sum(p, 8, 40) + UDP + udpLength : sum(p, 12, 20) + UDP + udpLength;
    }

    /** A checksum that verifies and is not 0 ("none", which IPv6 forbids and Weft never sends). */
    static boolean udpChecksumValid(byte[] p) {
        int udp = ipHeaderLength(p);
        return u16(p, udp + 6) != 0 && fold(udpPseudo(p) + sum(p, udp, p.length)) == 0xffff;
    }

    static boolean ipv4HeaderValid(byte[] p) {
        return fold(sum(p, 0, ipHeaderLength(p))) == 0xffff;
    }

    static int u16(byte[] p, int at) {
        return (p[at] & 0xff) << 8 | p[at + 1] & 0xff;
    }

    static int u32(byte[] p, int at) {
        return u16(p, at) << 16 | u16(p, at + 2);
    }

    static int tcpFlags(byte[] p) {
        return p[ipHeaderLength(p) + 13] & 0xff;
    }

    static int seqOf(byte[] p) {
        return u32(p, ipHeaderLength(p) + 4);
    }

    static byte[] payloadOf(byte[] p) {
        int tcp = ipHeaderLength(p);
        int start = tcp + ((p[tcp + 12] & 0xff) >>> 4) * 4;
        return Arrays.copyOfRange(p, start, p.length);
    }

    static void putShort(byte[] p, int at, int v) {
        p[at] = (byte) (v >>> 8);
        p[at + 1] = (byte) v;
    }

    static void putInt(byte[] p, int at, int v) {
        putShort(p, at, v >>> 16);
        putShort(p, at + 2, v);
    }

    private static byte[] bytes(String ipv6) {
        try {
            return java.net.InetAddress.getByName(ipv6).getAddress();
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(ipv6, e);
        }
    }
}
