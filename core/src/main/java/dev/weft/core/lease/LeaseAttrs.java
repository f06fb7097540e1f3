package dev.weft.core.lease;

import java.net.Inet4Address;
import java.net.Inet6Address;

/**
 * What a host publishes with its lease (Flannel's LeaseAttrs): how to reach it and what its
 * backend needs. Backend data is kept as the raw JSON text the backend wrote, so that data
 * from flanneld hosts passes through unchanged.
 *
 * @param publicIp       the host's underlay IPv4 address (required)
 * @param publicIpv6     the host's underlay IPv6 address, or null
 * @param backendType    "udp", "vxlan", "host-gw"... or null when the backend publishes none (Flannel's udp)
 * @param backendData    raw JSON object, or null
 * @param backendV6Data  raw JSON object, or null
 */
public record LeaseAttrs(Inet4Address publicIp, Inet6Address publicIpv6, String backendType,
                         String backendData, String backendV6Data) {

    public LeaseAttrs {
        if (publicIp == null) {
            throw new IllegalArgumentException("a lease needs a PublicIP");
        }
    }

    public static LeaseAttrs of(Inet4Address publicIp, String backendType, String backendData) {
        return new LeaseAttrs(publicIp, null, backendType, backendData, null);
    }
}
