package dev.weft.agent;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Flannel's subnet.env: what the flannel CNI plugin reads to build pods' networks. Written
 * atomically (temp file + rename, mode 0644) so that a reader never sees half a file.
 */
public record SubnetEnv(Cidr network, Cidr subnet, Cidr ipv6Network, Cidr ipv6Subnet, int mtu, boolean ipMasq) {

    /** The text, in Flannel's key order. FLANNEL_SUBNET is the subnet's first host with the subnet's prefix. */
    public String render() {
        StringBuilder out = new StringBuilder();
        if (network != null) {
            out.append("FLANNEL_NETWORK=").append(network).append('\n');
            out.append("FLANNEL_SUBNET=").append(IpAddresses.format(subnet.firstHost())).append('/').append(subnet.prefixLength()).append('\n');
        }
        if (ipv6Network != null) {
            out.append("FLANNEL_IPV6_NETWORK=").append(ipv6Network).append('\n');
            out.append("FLANNEL_IPV6_SUBNET=").append(IpAddresses.format(ipv6Subnet.firstHost())).append('/').append(ipv6Subnet.prefixLength()).append('\n');
        }
        out.append("FLANNEL_MTU=").append(mtu).append('\n');
        out.append("FLANNEL_IPMASQ=").append(ipMasq).append('\n');
        return out.toString();
    }

    public void writeAtomically(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
        try {
            Files.writeString(tmp, render(), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * The subnet a previous run held, from its subnet.env, or null when there is none or it does
     * not parse. As Flannel: an entry with a comma (several values) counts as empty.
     */
    public static SubnetKey readPreviousSubnet(Path file) {
        Map<String, String> values;
        try {
            values = parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
        Cidr v4 = subnetOf(values.get("FLANNEL_SUBNET"));
        if (v4 == null || !v4.isIpv4()) {
            return null;
        }
        Cidr v6 = subnetOf(values.get("FLANNEL_IPV6_SUBNET"));
        return new SubnetKey(v4, v6 != null && !v6.isIpv4() ? v6 : null);
    }

    static Map<String, String> parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            line = line.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
        }
        return values;
    }

    private static Cidr subnetOf(String value) {
        if (value == null || value.isEmpty() || value.contains(",")) {
            return null;
        }
        try {
            return Cidr.parse(value);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
