package dev.weft.core.net;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A lease's identity in Flannel's key form: {@code 10.1.15.0-24}, or dual-stack
 * {@code 10.1.15.0-24&fd00:1::-64}. The IPv4 part is mandatory, as in Flannel.
 */
public record SubnetKey(Cidr ipv4, Cidr ipv6) {
    private static final Pattern FORM =
        Pattern.compile("(\\d+\\.\\d+\\.\\d+\\.\\d+)-(\\d+)(?:&([a-f\\d:]+)-(\\d+))?");

    public SubnetKey {
        Objects.requireNonNull(ipv4, "ipv4");
        if (!ipv4.isIpv4()) {
            throw new IllegalArgumentException("subnet key needs an IPv4 subnet first, got " + ipv4);
        }
        if (ipv6 != null && ipv6.isIpv4()) {
            throw new IllegalArgumentException("second part of a subnet key must be IPv6, got " + ipv6);
        }
    }

    public static SubnetKey of(Cidr ipv4) {
        return new SubnetKey(ipv4, null);
    }

    /** Parses the key form; rejects anything else with a message naming the key. */
    public static SubnetKey parse(String key) {
        var m = key == null ? null : FORM.matcher(key);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid subnet key \"" + key + "\": expected <ipv4>-<len>[&<ipv6>-<len>]");
        }
        try {
            int v4Length = Integer.parseInt(m.group(2));
            if (v4Length > 31) { // Flannel parses it with bitSize 5: /32 and above are rejected
                throw new IllegalArgumentException("prefix length " + v4Length);
            }
            Cidr v4 = Cidr.of(IpAddresses.parseIpv4(m.group(1)), v4Length);
            if (!v4.address().equals(IpAddresses.parseIpv4(m.group(1)))) {
                throw new IllegalArgumentException("host bits set");
            }
            Cidr v6 = null;
            if (m.group(3) != null) {
                int v6Length = Integer.parseInt(m.group(4));
                if (v6Length > 127) {
                    throw new IllegalArgumentException("IPv6 prefix length " + v6Length);
                }
                var address = IpAddresses.parseIpv6(m.group(3));
                v6 = Cidr.of(address, v6Length);
                if (!v6.address().equals(address)) {
                    throw new IllegalArgumentException("IPv6 host bits set");
                }
            }
            return new SubnetKey(v4, v6);
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException("invalid subnet key \"" + key + "\": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        String v4 = IpAddresses.format(ipv4.address()) + "-" + ipv4.prefixLength();
        if (ipv6 == null) {
            return v4;
        }
        return v4 + "&" + IpAddresses.format(ipv6.address()) + "-" + ipv6.prefixLength();
    }
}
