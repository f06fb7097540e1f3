package dev.weft.agent.offload;

import java.nio.ByteBuffer;

/**
 * The Internet checksum (RFC 1071) over network-order (big-endian) buffers.
 *
 * <p>{@link #sum} adds 32-bit words into a long without folding: since 2^16 ≡ 1 (mod 2^16 − 1),
 * a sum of 32-bit words folds to the same value as the sum of 16-bit words, and a long does not
 * overflow for any packet size. Chained sums must start each region at an even offset from the
 * start of the checksummed data; only the last region may have an odd length (its last byte is
 * padded with a zero, RFC 1071).
 */
public final class Checksums {
    /** IP protocol numbers used in pseudo-headers. */
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;

    private Checksums() {
    }

    /** {@code acc} plus the unfolded sum of {@code length} bytes at {@code off}. */
    public static long sum(ByteBuffer b, int off, int length, long acc) {
        int i = off;
        int end = off + length;
        for (; i + 8 <= end; i += 8) {
            long w = b.getLong(i);
            acc += (w >>> 32) + (w & 0xffffffffL);
        }
        if (i + 4 <= end) {
            acc += b.getInt(i) & 0xffffffffL;
            i += 4;
        }
        if (i + 2 <= end) {
            acc += b.getShort(i) & 0xffff;
            i += 2;
        }
        if (i < end) {
            acc += (b.get(i) & 0xff) << 8;
        }
        return acc;
    }

    /** Folds an unfolded sum to 16 bits (end-around carry), not inverted. */
    public static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) sum;
    }

    /** The checksum to store: the folded sum, inverted. */
    public static int finish(long sum) {
        return ~fold(sum) & 0xffff;
    }

    /** Recomputes and stores the header checksum of the IPv4 header at {@code ip} ({@code headerLength} bytes). */
    public static void writeIpv4HeaderChecksum(ByteBuffer b, int ip, int headerLength) {
        b.putShort(ip + 10, (short) 0);
        b.putShort(ip + 10, (short) finish(sum(b, ip, headerLength, 0)));
    }

    /** True if the IPv4 header at {@code ip} carries a correct header checksum. */
    public static boolean ipv4HeaderChecksumValid(ByteBuffer b, int ip, int headerLength) {
        return fold(sum(b, ip, headerLength, 0)) == 0xffff;
    }

    /** Unfolded TCP/UDP pseudo-header sum for the IPv4 packet at {@code ip}: addresses, protocol, L4 length. */
    public static long pseudoHeaderIpv4(ByteBuffer b, int ip, int protocol, int l4Length) {
        return sum(b, ip + 12, 8, protocol + (long) l4Length);
    }

    /** Unfolded TCP/UDP pseudo-header sum for the IPv6 packet at {@code ip} (RFC 8200 §8.1). */
    public static long pseudoHeaderIpv6(ByteBuffer b, int ip, int protocol, int l4Length) {
        return sum(b, ip + 8, 32, protocol + (long) l4Length);
    }

    /**
     * Completes the checksum of a packet marked {@link VirtioNetHeader#FLAG_NEEDS_CSUM}: the field at
     * {@code csumStart + csumOffset} holds the uninverted pseudo-header sum, so summing from
     * {@code csumStart} to the end of the packet (that field included) and inverting gives the
     * checksum. A zero result is stored as 0xffff, as the kernel does, which keeps UDP's "no
     * checksum" value out. The caller has checked that the field lies inside the packet.
     */
    public static void completePartial(ByteBuffer b, int packet, int length, int csumStart, int csumOffset) {
        int result = finish(sum(b, packet + csumStart, length - csumStart, 0));
        b.putShort(packet + csumStart + csumOffset, (short) (result == 0 ? 0xffff : result));
    }
}
