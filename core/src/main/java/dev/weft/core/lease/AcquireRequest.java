package dev.weft.core.lease;

import dev.weft.core.net.SubnetKey;
import java.time.Duration;
import java.util.Objects;

/**
 * What a host asks for when it acquires a lease.
 *
 * @param attrs          what the host publishes; its PublicIP identifies the host
 * @param previousSubnet the subnet this host held before (from subnet.env), or null
 * @param ttl            how long the lease lives without renewal (Flannel: 24 h)
 */
public record AcquireRequest(LeaseAttrs attrs, SubnetKey previousSubnet, Duration ttl) {
    public static final Duration DEFAULT_TTL = Duration.ofHours(24);

    public AcquireRequest {
        Objects.requireNonNull(attrs, "attrs");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.toSeconds() < 1) {
            throw new IllegalArgumentException("lease TTL must be at least one second, got " + ttl);
        }
    }
}
