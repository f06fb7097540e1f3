package dev.weft.core.lease;

import dev.weft.core.config.NetworkConfig;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/** Which subnets a network offers and which of them are free: pure logic, no store. */
public final class SubnetAllocator {
    /** Flannel picks at random among at most this many free subnets, walking from SubnetMin. */
    public static final int CANDIDATES = 100;

    private SubnetAllocator() {
    }

    /** Whether {@code key} fits {@code config}: right length, inside [min, max], IPv6 part as configured. */
    public static boolean isCompatible(NetworkConfig config, SubnetKey key) {
        if (!fits(key.ipv4(), config.subnetLen(), config.subnetMin(), config.subnetMax())) {
            return false;
        }
        if (!config.enableIpv6()) {
            return key.ipv6() == null;
        }
        return key.ipv6() != null
            && fits(key.ipv6(), config.ipv6SubnetLen(), config.ipv6SubnetMin(), config.ipv6SubnetMax());
    }

    /** Whether no lease in {@code taken} overlaps {@code key} in either family. */
    public static boolean isFree(SubnetKey key, Collection<SubnetKey> taken) {
        for (SubnetKey t : taken) {
            if (t.ipv4().overlaps(key.ipv4())) {
                return false;
            }
            if (key.ipv6() != null && t.ipv6() != null && t.ipv6().overlaps(key.ipv6())) {
                return false;
            }
        }
        return true;
    }

    /**
     * A random free subnet (dual-stack: an IPv6 one picked the same way, independently), or empty
     * when the range is full.
     */
    public static Optional<SubnetKey> pickFree(NetworkConfig config, Collection<SubnetKey> taken, Random random) {
        List<Cidr> v4 = freeSubnets(config.subnetMin(), config.subnetMax(), config.subnetLen(),
            taken.stream().map(SubnetKey::ipv4).toList());
        if (v4.isEmpty()) {
            return Optional.empty();
        }
        Cidr v6 = null;
        if (config.enableIpv6()) {
            List<Cidr> free6 = freeSubnets(config.ipv6SubnetMin(), config.ipv6SubnetMax(), config.ipv6SubnetLen(),
                taken.stream().map(SubnetKey::ipv6).filter(c -> c != null).toList());
            if (free6.isEmpty()) {
                return Optional.empty();
            }
            v6 = free6.get(random.nextInt(free6.size()));
        }
        return Optional.of(new SubnetKey(v4.get(random.nextInt(v4.size())), v6));
    }

    /** The range [SubnetMin, SubnetMax] as text, for errors. */
    public static String describeRange(NetworkConfig config) {
        return IpAddresses.format(config.subnetMin()) + " .. " + IpAddresses.format(config.subnetMax())
            + " (/" + config.subnetLen() + " in " + config.network() + ")";
    }

    /** Up to {@link #CANDIDATES} subnets of {@code length} in [min, max] that overlap nothing taken. */
    static List<Cidr> freeSubnets(InetAddress min, InetAddress max, int length, List<Cidr> taken) {
        Set<Cidr> sameLength = new HashSet<>();
        List<Cidr> otherLength = new ArrayList<>();
        for (Cidr t : taken) {
            if (t.prefixLength() == length) {
                sameLength.add(t);
            } else {
                otherLength.add(t);
            }
        }
        List<Cidr> free = new ArrayList<>();
        // Walk in chunks so that a range much larger than what is taken stops early.
        InetAddress from = min;
        int chunk = CANDIDATES + sameLength.size() + otherLength.size();
        while (from != null && free.size() < CANDIDATES) {
            List<Cidr> batch = Cidr.subnetsBetween(from, max, length, chunk);
            if (batch.isEmpty()) {
                break;
            }
            for (Cidr candidate : batch) {
                if (free.size() == CANDIDATES) {
                    break;
                }
                if (!sameLength.contains(candidate) && otherLength.stream().noneMatch(candidate::overlaps)) {
                    free.add(candidate);
                }
            }
            from = batch.get(batch.size() - 1).nextNetworkAddress();
            if (from != null && IpAddresses.toBigInteger(from).compareTo(IpAddresses.toBigInteger(max)) > 0) {
                break;
            }
        }
        return free;
    }

    private static boolean fits(Cidr subnet, int length, InetAddress min, InetAddress max) {
        if (subnet.prefixLength() != length) {
            return false;
        }
        var value = IpAddresses.toBigInteger(subnet.address());
        return value.compareTo(IpAddresses.toBigInteger(min)) >= 0 && value.compareTo(IpAddresses.toBigInteger(max)) <= 0;
    }
}
