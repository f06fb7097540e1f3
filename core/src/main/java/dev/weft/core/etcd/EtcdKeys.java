package dev.weft.core.etcd;

import dev.weft.core.net.SubnetKey;
import io.etcd.jetcd.ByteSequence;
import java.nio.charset.StandardCharsets;

/** Flannel's etcd layout under one prefix: {@code <prefix>/config} and {@code <prefix>/subnets/<SubnetKey>}. */
final class EtcdKeys {
    private final String prefix;
    private final String subnetsPrefix;

    EtcdKeys(String prefix) {
        this.prefix = prefix;
        this.subnetsPrefix = prefix + "/subnets/";
    }

    String config() {
        return prefix + "/config";
    }

    /** The prefix every lease key starts with, slash included. */
    String subnets() {
        return subnetsPrefix;
    }

    String subnet(SubnetKey subnet) {
        return subnetsPrefix + subnet;
    }

    /** The subnet a lease key names; throws IllegalArgumentException naming the key when it names none. */
    SubnetKey parseSubnet(String key) {
        if (!key.startsWith(subnetsPrefix)) {
            throw new IllegalArgumentException("key \"" + key + "\" is not under " + subnetsPrefix);
        }
        return SubnetKey.parse(key.substring(subnetsPrefix.length()));
    }

    static ByteSequence bytes(String text) {
        return ByteSequence.from(text, StandardCharsets.UTF_8);
    }

    static String text(ByteSequence bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
