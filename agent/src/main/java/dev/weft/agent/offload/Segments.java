package dev.weft.agent.offload;

import java.nio.ByteBuffer;

/**
 * Where the packets of one successful {@link GsoSegmenter#segment} call lie: {@link #count()}
 * packets back to back from {@link #offset()} in {@link #buffer()}, each {@link #segmentLength()}
 * bytes long except the last, which is {@link #lastLength()} (≤ segmentLength). That is exactly
 * the layout one UDP GSO {@code sendmsg} wants, with UDP_SEGMENT = segmentLength — as long as a
 * call carries at most {@link #segmentsPerSend()} segments: the kernel takes at most
 * {@value #MAX_SEGMENTS_PER_SEND} segments and under {@value #MAX_BYTES_PER_SEND} bytes per call.
 *
 * <p>Send in groups: segments [0, g), [g, 2g), … with g = segmentsPerSend(); every group starts at
 * {@code offset(i)} and spans {@code offset(min(i + g, count)) − offset(i)} bytes (use
 * {@link #endOffset()} for the end of the last group); only the last group holds the short segment.
 * A group of one segment needs no UDP_SEGMENT cmsg.
 *
 * <p>Reused across calls: the caller allocates one and reads it right after each call.
 */
public final class Segments {
    /** UDP_MAX_SEGMENTS of older kernels (newer take 128): segments per GSO send. */
    public static final int MAX_SEGMENTS_PER_SEND = 64;
    /** Largest UDP payload of one IPv4 datagram: 65,535 − 20 (IP) − 8 (UDP). */
    public static final int MAX_BYTES_PER_SEND = 65_507;

    private ByteBuffer buffer;
    private int offset;
    private int count;
    private int segmentLength;
    private int lastLength;

    void set(ByteBuffer buffer, int offset, int count, int segmentLength, int lastLength) {
        this.buffer = buffer;
        this.offset = offset;
        this.count = count;
        this.segmentLength = segmentLength;
        this.lastLength = lastLength;
    }

    /** The input buffer (one packet, after its virtio header) or the output buffer (segments). */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** Where the first packet starts. */
    public int offset() {
        return offset;
    }

    public int count() {
        return count;
    }

    /** Length of every packet but the last: the UDP_SEGMENT size. */
    public int segmentLength() {
        return segmentLength;
    }

    /** Length of the last packet, 1 ≤ lastLength ≤ segmentLength. */
    public int lastLength() {
        return lastLength;
    }

    /** Bytes from the first packet's start to the last one's end. */
    public int totalLength() {
        return (count - 1) * segmentLength + lastLength;
    }

    /** Start of packet {@code i} (0 ≤ i ≤ count; {@code offset(count)} is the end). */
    public int offset(int i) {
        return offset + i * segmentLength;
    }

    /** End of the last packet. */
    public int endOffset() {
        return offset + totalLength();
    }

    /** Length of packet {@code i}. */
    public int length(int i) {
        return i == count - 1 ? lastLength : segmentLength;
    }

    /** How many segments one UDP GSO sendmsg may carry at this segment length (at least 1). */
    public int segmentsPerSend() {
        return Math.max(1, Math.min(MAX_SEGMENTS_PER_SEND, MAX_BYTES_PER_SEND / segmentLength));
    }
}
