package dev.weft.core.net;

import java.math.BigInteger;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Literal IPv4/IPv6 address parsing and formatting. Never resolves names: a value that is not
 * an address literal is an error, not a DNS lookup.
 */
public final class IpAddresses {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]+");

    private IpAddresses() {
    }

    /** Parses an IPv4 or IPv6 literal; throws IllegalArgumentException naming the value otherwise. */
    public static InetAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty IP address");
        }
        if (IPV4.matcher(text).matches()) {
            return parseIpv4(text);
        }
        if (text.indexOf(':') >= 0 && IPV6.matcher(text).matches()) {
            try {
                InetAddress address = InetAddress.getByName(text); // a literal: no lookup
                if (address instanceof Inet6Address) {
                    return address;
                }
                // "::ffff:1.2.3.4" comes back as IPv4; keep it IPv6 as written.
                return Inet6Address.getByAddress(null, toIpv6Bytes(address.getAddress()), null);
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("invalid IP address \"" + text + "\"");
            }
        }
        throw new IllegalArgumentException("invalid IP address \"" + text + "\"");
    }

    public static Inet4Address parseIpv4(String text) {
        var m = text == null ? null : IPV4.matcher(text);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid IPv4 address \"" + text + "\"");
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            int octet = Integer.parseInt(m.group(i + 1));
            if (octet > 255) {
                throw new IllegalArgumentException("invalid IPv4 address \"" + text + "\"");
            }
            bytes[i] = (byte) octet;
        }
        return (Inet4Address) fromBytes(bytes);
    }

    public static Inet6Address parseIpv6(String text) {
        InetAddress address = parse(text);
        if (!(address instanceof Inet6Address v6)) {
            throw new IllegalArgumentException("invalid IPv6 address \"" + text + "\"");
        }
        return v6;
    }

    public static int bits(InetAddress address) {
        return address instanceof Inet4Address ? 32 : 128;
    }

    public static BigInteger toBigInteger(InetAddress address) {
        return new BigInteger(1, address.getAddress());
    }

    public static InetAddress fromBigInteger(BigInteger value, int bits) {
        byte[] raw = value.toByteArray();
        byte[] bytes = new byte[bits / 8];
        int copy = Math.min(raw.length, bytes.length);
        System.arraycopy(raw, raw.length - copy, bytes, bytes.length - copy, copy);
        return fromBytes(bytes);
    }

    public static InetAddress fromBytes(byte[] bytes) {
        try {
            if (bytes.length == 16) {
                return Inet6Address.getByAddress(null, bytes, null);
            }
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("address of " + bytes.length + " bytes", e);
        }
    }

    /** IPv4 as an int in network order, the form the data path masks. */
    public static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    public static Inet4Address fromInt(int value) {
        return (Inet4Address) fromBytes(new byte[] {
            (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
    }

    /**
     * Formats as Go's net.IP.String() does (and RFC 5952): dotted quad for IPv4; for IPv6,
     * lower-case hex, leading zeros dropped, the longest run of two or more zero groups as "::".
     * Flannel's etcd keys are written this way, so ours must be too.
     */
    public static String format(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength && j - i >= 2) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    private static byte[] toIpv6Bytes(byte[] ipv4) {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        System.arraycopy(ipv4, 0, bytes, 12, 4);
        return bytes;
    }
}
