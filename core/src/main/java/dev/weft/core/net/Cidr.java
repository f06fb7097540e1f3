package dev.weft.core.net;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An IPv4 or IPv6 network: an address with its host bits cleared, and a prefix length.
 * Immutable; equal when family, address and prefix are equal.
 */
public final class Cidr {
    private final InetAddress address;
    private final int prefixLength;
    private final BigInteger value;

    private Cidr(InetAddress address, int prefixLength) {
        int bits = IpAddresses.bits(address);
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " out of range 0.." + bits);
        }
        BigInteger raw = IpAddresses.toBigInteger(address);
        this.value = raw.and(mask(bits, prefixLength));
        this.address = IpAddresses.fromBigInteger(value, bits);
        this.prefixLength = prefixLength;
    }

    /** The network holding {@code address} with this prefix; host bits are cleared. */
    public static Cidr of(InetAddress address, int prefixLength) {
        return new Cidr(address, prefixLength);
    }

    /** Parses "10.1.0.0/16" or "fd00::/48"; host bits are masked, as Go's net.ParseCIDR does. */
    public static Cidr parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid CIDR \"null\"");
        }
        int slash = text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("invalid CIDR \"" + text + "\": expected address/prefix");
        }
        InetAddress address;
        try {
            address = IpAddresses.parse(text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid CIDR \"" + text + "\": bad address");
        }
        String prefix = text.substring(slash + 1);
        if (!prefix.matches("\\d{1,3}")) {
            throw new IllegalArgumentException("invalid CIDR \"" + text + "\": bad prefix length");
        }
        int length = Integer.parseInt(prefix);
        if (length > IpAddresses.bits(address)) {
            throw new IllegalArgumentException("invalid CIDR \"" + text + "\": prefix length over " + IpAddresses.bits(address));
        }
        return new Cidr(address, length);
    }

    public InetAddress address() {
        return address;
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isIpv4() {
        return address instanceof Inet4Address;
    }

    public int bits() {
        return IpAddresses.bits(address);
    }

    /** Number of addresses in the network. */
    public BigInteger size() {
        return BigInteger.ONE.shiftLeft(bits() - prefixLength);
    }

    /** The address just after this network, or null at the end of the address space. */
    public InetAddress nextNetworkAddress() {
        BigInteger next = value.add(size());
        return next.bitLength() > bits() ? null : IpAddresses.fromBigInteger(next, bits());
    }

    /** The first host address: network + 1 (Flannel's FLANNEL_SUBNET and the pod gateway). */
    public InetAddress firstHost() {
        return IpAddresses.fromBigInteger(value.add(BigInteger.ONE), bits());
    }

    public boolean contains(InetAddress other) {
        return IpAddresses.bits(other) == bits()
            && IpAddresses.toBigInteger(other).and(mask(bits(), prefixLength)).equals(value);
    }

    /** True when {@code other} lies wholly inside this network. */
    public boolean contains(Cidr other) {
        return other.bits() == bits() && other.prefixLength >= prefixLength && contains(other.address);
    }

    public boolean overlaps(Cidr other) {
        return contains(other) || other.contains(this);
    }

    /** True when {@code address} is a network address for this prefix length (no host bits set). */
    public static boolean isAligned(InetAddress address, int prefixLength) {
        return Cidr.of(address, prefixLength).address.equals(address);
    }

    /**
     * The subnets of {@code length} from {@code first} to {@code last} inclusive (both network
     * addresses of that length), in address order. Bounded by {@code limit}.
     */
    public static List<Cidr> subnetsBetween(InetAddress first, InetAddress last, int length, int limit) {
        if (IpAddresses.bits(first) != IpAddresses.bits(last)) {
            throw new IllegalArgumentException("mixed address families: " + first + ", " + last);
        }
        int bits = IpAddresses.bits(first);
        BigInteger step = BigInteger.ONE.shiftLeft(bits - length);
        BigInteger end = IpAddresses.toBigInteger(last);
        List<Cidr> out = new ArrayList<>();
        for (BigInteger v = IpAddresses.toBigInteger(Cidr.of(first, length).address);
             v.compareTo(end) <= 0 && out.size() < limit; v = v.add(step)) {
            out.add(new Cidr(IpAddresses.fromBigInteger(v, bits), length));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && c.address.equals(address);
    }

    @Override
    public int hashCode() {
        return address.hashCode() * 31 + prefixLength;
    }

    @Override
    public String toString() {
        return IpAddresses.format(address) + "/" + prefixLength;
    }

    private static BigInteger mask(int bits, int prefixLength) {
        BigInteger all = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        return all.xor(BigInteger.ONE.shiftLeft(bits - prefixLength).subtract(BigInteger.ONE));
    }
}
