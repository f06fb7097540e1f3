package dev.weft.core.config;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.math.BigInteger;
import java.net.InetAddress;
import java.util.Map;

/**
 * A validated overlay network: Flannel's network config with every default filled in.
 * Built from Flannel's net-conf JSON ({@link NetworkConfigJson}) or from an OverlayNetwork spec,
 * always through {@link Builder}, which applies Flannel's defaults and rules.
 *
 * @param backendConfig the backend section as plain values (Type removed), for the backend to read
 */
public record NetworkConfig(
        boolean enableIpv4,
        boolean enableIpv6,
        boolean enableNftables,
        Cidr network,
        int subnetLen,
        InetAddress subnetMin,
        InetAddress subnetMax,
        Cidr ipv6Network,
        int ipv6SubnetLen,
        InetAddress ipv6SubnetMin,
        InetAddress ipv6SubnetMax,
        String backendType,
        Map<String, Object> backendConfig) {

    public static final String DEFAULT_BACKEND = "udp"; // Flannel's code, not its docs

    public NetworkConfig {
        backendConfig = Map.copyOf(backendConfig);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Number of IPv4 subnets between SubnetMin and SubnetMax. */
    public long ipv4Capacity() {
        if (!enableIpv4) {
            return 0;
        }
        BigInteger span = IpAddresses.toBigInteger(subnetMax).subtract(IpAddresses.toBigInteger(subnetMin));
        return span.shiftRight(32 - subnetLen).longValueExact() + 1;
    }

    /** Whether the backend section sets {@code name} (case-insensitive, as Flannel's JSON decoding). */
    public Object backendValue(String name) {
        for (var e : backendConfig.entrySet()) {
            if (e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** Unvalidated fields as given; {@link #build()} fills defaults and checks Flannel's rules. */
    public static final class Builder {
        private Boolean enableIpv4;
        private Boolean enableIpv6;
        private boolean enableNftables;
        private String network;
        private Integer subnetLen;
        private String subnetMin;
        private String subnetMax;
        private String ipv6Network;
        private Integer ipv6SubnetLen;
        private String ipv6SubnetMin;
        private String ipv6SubnetMax;
        private String backendType = DEFAULT_BACKEND;
        private Map<String, Object> backendConfig = Map.of();

        public Builder enableIpv4(Boolean v) { enableIpv4 = v; return this; }
        public Builder enableIpv6(Boolean v) { enableIpv6 = v; return this; }
        public Builder enableNftables(boolean v) { enableNftables = v; return this; }
        public Builder network(String v) { network = v; return this; }
        public Builder subnetLen(Integer v) { subnetLen = v; return this; }
        public Builder subnetMin(String v) { subnetMin = v; return this; }
        public Builder subnetMax(String v) { subnetMax = v; return this; }
        public Builder ipv6Network(String v) { ipv6Network = v; return this; }
        public Builder ipv6SubnetLen(Integer v) { ipv6SubnetLen = v; return this; }
        public Builder ipv6SubnetMin(String v) { ipv6SubnetMin = v; return this; }
        public Builder ipv6SubnetMax(String v) { ipv6SubnetMax = v; return this; }
        /** A null type means "Backend given without Type", which Flannel rejects later; we reject it here. */
        public Builder backendType(String v) { backendType = v; return this; }
        public Builder backendConfig(Map<String, Object> v) { backendConfig = v == null ? Map.of() : v; return this; }

        /** Applies Flannel's defaults and rules (flannel-compat.md §1); throws naming the field. */
        public NetworkConfig build() {
            boolean v4 = enableIpv4 == null || enableIpv4;
            boolean v6 = enableIpv6 != null && enableIpv6;
            if (!v4 && !v6) {
                throw new InvalidConfigException("EnableIPv4", "neither EnableIPv4 nor EnableIPv6 is set: no network to build");
            }
            Family ipv4 = v4 ? Family.ipv4(network, subnetLen, subnetMin, subnetMax) : null;
            Family ipv6 = v6 ? Family.ipv6(ipv6Network, ipv6SubnetLen, ipv6SubnetMin, ipv6SubnetMax) : null;
            if (backendType == null || backendType.isBlank()) {
                throw new InvalidConfigException("Backend.Type", "missing; expected one of udp, vxlan, host-gw");
            }
            return new NetworkConfig(v4, v6, enableNftables,
                ipv4 == null ? null : ipv4.network, ipv4 == null ? 0 : ipv4.subnetLen,
                ipv4 == null ? null : ipv4.min, ipv4 == null ? null : ipv4.max,
                ipv6 == null ? null : ipv6.network, ipv6 == null ? 0 : ipv6.subnetLen,
                ipv6 == null ? null : ipv6.min, ipv6 == null ? null : ipv6.max,
                backendType.toLowerCase(java.util.Locale.ROOT), backendConfig);
        }
    }

    /** One address family's validated network, subnet length and bounds. */
    private record Family(Cidr network, int subnetLen, InetAddress min, InetAddress max) {

        static Family ipv4(String network, Integer subnetLen, String min, String max) {
            if (network == null || network.isEmpty()) {
                throw new InvalidConfigException("Network", "please define a correct Network parameter in the flannel config");
            }
            Cidr cidr = parseNetwork("Network", network, true);
            int len;
            if (subnetLen != null && subnetLen > 0) {
                if (subnetLen > 30) {
                    throw new InvalidConfigException("SubnetLen", "SubnetLen must be less than /31, got " + subnetLen);
                }
                if (subnetLen < cidr.prefixLength() + 2) {
                    throw new InvalidConfigException("SubnetLen", "network " + cidr
                        + " must be able to accommodate at least four subnets of /" + subnetLen);
                }
                len = subnetLen;
            } else {
                if (cidr.prefixLength() > 28) {
                    throw new InvalidConfigException("Network", "network " + cidr + " is too small. Minimum useful network prefix is /28");
                }
                len = cidr.prefixLength() <= 22 ? 24 : cidr.prefixLength() + 2;
            }
            return bounds(cidr, len, min, max, "SubnetMin", "SubnetMax", true);
        }

        static Family ipv6(String network, Integer subnetLen, String min, String max) {
            if (network == null || network.isEmpty()) {
                throw new InvalidConfigException("IPv6Network", "please define a correct IPv6Network parameter in the flannel config");
            }
            Cidr cidr = parseNetwork("IPv6Network", network, false);
            int len;
            if (subnetLen != null && subnetLen > 0) {
                if (subnetLen > 126) {
                    throw new InvalidConfigException("IPv6SubnetLen", "IPv6SubnetLen must be less than /127, got " + subnetLen);
                }
                if (subnetLen < cidr.prefixLength() + 2) {
                    throw new InvalidConfigException("IPv6SubnetLen", "IPv6Network " + cidr
                        + " must be able to accommodate at least four subnets of /" + subnetLen);
                }
                len = subnetLen;
            } else {
                if (cidr.prefixLength() > 124) {
                    throw new InvalidConfigException("IPv6Network", "IPv6Network " + cidr + " is too small. Minimum useful network prefix is /124");
                }
                len = cidr.prefixLength() <= 62 ? 64 : cidr.prefixLength() + 2;
            }
            return bounds(cidr, len, min, max, "IPv6SubnetMin", "IPv6SubnetMax", false);
        }

        private static Cidr parseNetwork(String field, String text, boolean ipv4) {
            Cidr cidr;
            try {
                cidr = Cidr.parse(text);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(field, "invalid " + (ipv4 ? "IPv4" : "IPv6") + " CIDR format \"" + text + "\"");
            }
            if (cidr.isIpv4() != ipv4) {
                throw new InvalidConfigException(field, "invalid " + (ipv4 ? "IPv4" : "IPv6") + " CIDR format \"" + text + "\"");
            }
            return cidr;
        }

        private static Family bounds(Cidr network, int len, String min, String max,
                                     String minField, String maxField, boolean ipv4) {
            BigInteger subnetSize = BigInteger.ONE.shiftLeft(network.bits() - len);
            BigInteger base = IpAddresses.toBigInteger(network.address());
            InetAddress low = min == null || min.isEmpty()
                ? IpAddresses.fromBigInteger(base.add(subnetSize), network.bits())
                : parseBound(minField, min, network, len, ipv4);
            InetAddress high = max == null || max.isEmpty()
                ? IpAddresses.fromBigInteger(base.add(network.size()).subtract(subnetSize), network.bits())
                : parseBound(maxField, max, network, len, ipv4);
            if (IpAddresses.toBigInteger(low).compareTo(IpAddresses.toBigInteger(high)) > 0) {
                throw new InvalidConfigException(minField, minField + " " + IpAddresses.format(low)
                    + " is above " + maxField + " " + IpAddresses.format(high));
            }
            return new Family(network, len, low, high);
        }

        private static InetAddress parseBound(String field, String text, Cidr network, int len, boolean ipv4) {
            InetAddress address;
            try {
                address = ipv4 ? IpAddresses.parseIpv4(text) : IpAddresses.parseIpv6(text);
            } catch (IllegalArgumentException e) {
                throw new InvalidConfigException(field, "invalid " + (ipv4 ? "IPv4" : "IPv6") + " address format \"" + text + "\"");
            }
            if (!network.contains(address)) {
                throw new InvalidConfigException(field, field + " " + text + " is not in the range of the network " + network);
            }
            if (!Cidr.isAligned(address, len)) {
                throw new InvalidConfigException(field, field + " is not on a " + (ipv4 ? "SubnetLen" : "IPv6SubnetLen")
                    + " boundary: " + text + " (/" + len + ")");
            }
            return address;
        }
    }
}
