package dev.weft.agent.offload;

import java.nio.ByteBuffer;

/**
 * The 10-byte {@code struct virtio_net_hdr} (linux/virtio_net.h) that a TUN device opened with
 * {@code IFF_VNET_HDR} puts in front of every packet it reads and expects in front of every packet
 * written. Its 16-bit fields are little-endian (virtio 1.0 on a little-endian host), unlike the
 * network-order packet behind it.
 */
public final class VirtioNetHeader {
    public static final int LENGTH = 10;

    /** flags: the checksum at csum_start + csum_offset holds only the pseudo-header sum; finish it. */
    public static final int FLAG_NEEDS_CSUM = 1;
    /** flags: the checksum was already verified. */
    public static final int FLAG_DATA_VALID = 2;

    public static final int GSO_NONE = 0;
    public static final int GSO_TCPV4 = 1;
    /** Legacy UDP fragmentation offload (UFO): never produced by Weft, rejected when read. */
    public static final int GSO_UDP = 3;
    public static final int GSO_TCPV6 = 4;
    /** UDP segmentation offload (USO, TUN_F_USO4/6); not handled by {@link GsoSegmenter}. */
    public static final int GSO_UDP_L4 = 5;
    /** Bit or-ed into gso_type: the super-packet carries CWR, which belongs on its first segment only. */
    public static final int GSO_ECN = 0x80;

    private VirtioNetHeader() {
    }

    public static int flags(ByteBuffer b, int off) {
        return b.get(off) & 0xff;
    }

    /** The raw gso_type byte, ECN bit included. */
    public static int gsoType(ByteBuffer b, int off) {
        return b.get(off + 1) & 0xff;
    }

    /** Header length as the kernel wrote it; for TSO reads it may cover payload too, so Weft parses headers instead. */
    public static int hdrLen(ByteBuffer b, int off) {
        return le16(b, off + 2);
    }

    public static int gsoSize(ByteBuffer b, int off) {
        return le16(b, off + 4);
    }

    public static int csumStart(ByteBuffer b, int off) {
        return le16(b, off + 6);
    }

    public static int csumOffset(ByteBuffer b, int off) {
        return le16(b, off + 8);
    }

    /** Writes a whole header at {@code off}. */
    public static void write(ByteBuffer b, int off, int flags, int gsoType, int hdrLen, int gsoSize,
                             int csumStart, int csumOffset) {
        b.put(off, (byte) flags);
        b.put(off + 1, (byte) gsoType);
        putLe16(b, off + 2, hdrLen);
        putLe16(b, off + 4, gsoSize);
        putLe16(b, off + 6, csumStart);
        putLe16(b, off + 8, csumOffset);
    }

    /** Writes the all-zero header: one complete packet, nothing for the kernel to do. */
    public static void writeNone(ByteBuffer b, int off) {
        b.putLong(off, 0L);
        b.putShort(off + 8, (short) 0);
    }

    private static int le16(ByteBuffer b, int at) {
        return (b.get(at) & 0xff) | (b.get(at + 1) & 0xff) << 8;
    }

    private static void putLe16(ByteBuffer b, int at, int value) {
        b.put(at, (byte) value);
        b.put(at + 1, (byte) (value >>> 8));
    }
}
