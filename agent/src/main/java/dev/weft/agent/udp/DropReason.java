package dev.weft.agent.udp;

/** Why the UDP data path dropped a packet; each is counted and exported as a metric label. */
public enum DropReason {
    /** Too short, not IPv4/IPv6, or a header that does not fit the bytes read. */
    MALFORMED("malformed"),
    /** An IPv6 packet: Flannel's UDP backend carries IPv4 only. */
    UNSUPPORTED_FAMILY("unsupported-family"),
    /** No leased subnet holds the destination (an ICMP net-unreachable goes back, except for ICMP). */
    NO_PEER("no-peer"),
    /** TTL would reach zero. */
    TTL_EXPIRED("ttl-expired"),
    /** A datagram from an address that holds no lease. */
    UNKNOWN_SENDER("unknown-sender"),
    /** A datagram whose inner destination is not in this host's subnet. */
    NOT_LOCAL_SUBNET("not-local-subnet"),
    /** The socket refused the datagram (buffer full, unreachable). */
    SEND_FAILED("send-failed"),
    /** The TUN device refused the packet. */
    TUN_WRITE_FAILED("tun-write-failed"),
    /** Handling the packet hit a bug in Weft (logged with its stack trace); the data path goes on. */
    INTERNAL_ERROR("internal-error");

    private final String label;

    DropReason(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
