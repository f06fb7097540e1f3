package dev.weft.agent.offload;

/** What {@link GsoSegmenter#segment} did with one TUN read; the first three are successes. */
public enum SegmentResult {
    /** A super-packet (gso_type TCPV4/TCPV6 or UDP_L4) was split into segments in the output buffer. */
    SEGMENTED(true),
    /** gso_type NONE with NEEDS_CSUM: the checksum was completed in place; one packet, in the input buffer. */
    CHECKSUM_COMPLETED(true),
    /** gso_type NONE without NEEDS_CSUM: one complete packet, untouched, in the input buffer. */
    PASSED_THROUGH(true),
    /** Fewer bytes than the virtio header, the IP header or the TCP/UDP header need. */
    TRUNCATED(false),
    /** csum_start/csum_offset point outside the packet, or gso_size is 0 for a super-packet. */
    BAD_VIRTIO_HEADER(false),
    /** gso_type UDP (legacy UFO, which makes IP fragments) or unknown: TCPV4/TCPV6 and UDP_L4 are split. */
    UNSUPPORTED_GSO_TYPE(false),
    /** The IP version is not the one gso_type names (TCPV4 needs 4, TCPV6 needs 6). */
    GSO_TYPE_MISMATCH(false),
    /** Not IPv4 or IPv6, or an IPv4 header length (IHL) under 20 bytes. */
    BAD_IP_HEADER(false),
    /** The IPv4 total length or IPv6 payload length disagrees with the bytes read. */
    IP_LENGTH_MISMATCH(false),
    /** An IPv4 fragment: a super-packet never is one. */
    IP_FRAGMENT(false),
    /** The IPv6 next header is an extension header; Weft splits only TCP or UDP right behind the fixed header. */
    IPV6_EXTENSION_HEADER(false),
    /** The IP protocol / next header is not the one gso_type names: TCP for TCPV4/TCPV6, UDP for UDP_L4. */
    WRONG_PROTOCOL(false),
    /** A TCP data offset under 5 words. */
    BAD_TCP_HEADER(false),
    /** The segments would not fit between the output offset and the output buffer's capacity. */
    OUTPUT_TOO_SMALL(false);

    private final boolean ok;

    SegmentResult(boolean ok) {
        this.ok = ok;
    }

    /** True when {@link Segments} describes packets ready to send; false means drop the read and count it. */
    public boolean ok() {
        return ok;
    }
}
