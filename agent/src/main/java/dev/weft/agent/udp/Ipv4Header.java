package dev.weft.agent.udp;

import java.nio.ByteBuffer;

/**
 * Reads and edits an IPv4 header in place, at absolute positions of a buffer whose packet starts
 * at {@code off}. Pure functions over bytes: no allocation, so the data path can call them per packet.
 */
final class Ipv4Header {
    static final int MIN_LENGTH = 20;
    static final int PROTO_ICMP = 1;

    private Ipv4Header() {
    }

    static int version(ByteBuffer b, int off) {
        return (b.get(off) & 0xff) >>> 4;
    }

    static int headerLength(ByteBuffer b, int off) {
        return (b.get(off) & 0x0f) * 4;
    }

    static int totalLength(ByteBuffer b, int off) {
        return b.getShort(off + 2) & 0xffff;
    }

    static int ttl(ByteBuffer b, int off) {
        return b.get(off + 8) & 0xff;
    }

    static int protocol(ByteBuffer b, int off) {
        return b.get(off + 9) & 0xff;
    }

    static int source(ByteBuffer b, int off) {
        return b.getInt(off + 12);
    }

    static int destination(ByteBuffer b, int off) {
        return b.getInt(off + 16);
    }

    /** True unless this is a non-first fragment (fragment offset ≠ 0). */
    static boolean isFirstFragment(ByteBuffer b, int off) {
        return (b.getShort(off + 6) & 0x1fff) == 0;
    }

    /** A well-formed IPv4 header that fits in {@code length} bytes. */
    static boolean isValid(ByteBuffer b, int off, int length) {
        if (length < MIN_LENGTH || version(b, off) != 4) {
            return false;
        }
        int ihl = headerLength(b, off);
        return ihl >= MIN_LENGTH && ihl <= length && totalLength(b, off) >= ihl && totalLength(b, off) <= length;
    }

    /**
     * Decrements TTL and patches the header checksum incrementally (RFC 1624: HC' = ~(~HC + ~m + m')).
     * Returns false, changing nothing, when the TTL would reach zero: the packet must be dropped.
     */
    static boolean decrementTtl(ByteBuffer b, int off) {
        int ttl = ttl(b, off);
        if (ttl <= 1) {
            return false;
        }
        int oldWord = b.getShort(off + 8) & 0xffff; // TTL and protocol share one 16-bit word
        int newWord = oldWord - 0x100;
        b.put(off + 8, (byte) (ttl - 1));
        int sum = (~b.getShort(off + 10) & 0xffff) + (~oldWord & 0xffff) + newWord;
        sum = (sum & 0xffff) + (sum >>> 16);
        sum = (sum & 0xffff) + (sum >>> 16);
        b.putShort(off + 10, (short) ~sum);
        return true;
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes at {@code off}. */
    static int checksum(ByteBuffer b, int off, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 1 < length; i += 2) {
            sum += b.getShort(off + i) & 0xffff;
        }
        if (i < length) {
            sum += (b.get(off + i) & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }

    /**
     * Writes into {@code out} (from position 0) an ICMP destination-unreachable, net-unreachable
     * (type 3, code 0) reply to the packet at {@code off}, from {@code source}, carrying the original
     * header and the first 8 bytes of its payload (RFC 792). Returns the reply's length.
     */
    static int writeNetUnreachable(ByteBuffer original, int off, int source, ByteBuffer out) {
        int quoted = Math.min(totalLength(original, off), headerLength(original, off) + 8);
        int total = MIN_LENGTH + 8 + quoted;
        out.put(0, (byte) 0x45);
        out.put(1, (byte) 0);
        out.putShort(2, (short) total);
        out.putInt(4, 0);          // id 0, no fragmentation flags
        out.put(8, (byte) 8);      // TTL 8, as Flannel
        out.put(9, (byte) PROTO_ICMP);
        out.putShort(10, (short) 0);
        out.putInt(12, source);
        out.putInt(16, source(original, off));
        out.putShort(10, (short) checksum(out, 0, MIN_LENGTH));
        int icmp = MIN_LENGTH;
        out.put(icmp, (byte) 3);
        out.put(icmp + 1, (byte) 0);
        out.putShort(icmp + 2, (short) 0);
        out.putInt(icmp + 4, 0);
        for (int i = 0; i < quoted; i++) {
            out.put(icmp + 8 + i, original.get(off + i));
        }
        out.putShort(icmp + 2, (short) checksum(out, icmp, 8 + quoted));
        return total;
    }
}
