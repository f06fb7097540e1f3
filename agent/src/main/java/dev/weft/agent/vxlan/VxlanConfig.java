package dev.weft.agent.vxlan;

import dev.weft.core.config.InvalidConfigException;
import dev.weft.core.config.NetworkConfig;

/**
 * The Backend section of a vxlan network, with Flannel's defaults: VNI 1, Port 0 (the kernel's
 * 8472), GBP, Learning and DirectRouting off, MTU 0 (the external interface's).
 */
public record VxlanConfig(int vni, int port, boolean gbp, boolean learning, boolean directRouting, int mtu) {
    /** The port Linux's vxlan module uses when none is given (its vxlan_port parameter). */
    public static final int KERNEL_DEFAULT_PORT = 8472;

    public static VxlanConfig of(NetworkConfig config) {
        return new VxlanConfig(
            integer(config, "VNI", 1, 0, 0xffffff),
            integer(config, "Port", 0, 0, 65535),
            bool(config, "GBP"),
            bool(config, "Learning"),
            bool(config, "DirectRouting"),
            integer(config, "MTU", 0, 0, 65535));
    }

    /** The UDP port the device sends to and listens on. */
    public int effectivePort() {
        return port == 0 ? KERNEL_DEFAULT_PORT : port;
    }

    private static int integer(NetworkConfig config, String name, int absent, int min, int max) {
        Object value = config.backendValue(name);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof Integer v) || v < min || v > max) {
            throw new InvalidConfigException("Backend." + name, "expected an integer " + min + ".." + max + ", got " + value);
        }
        return v;
    }

    private static boolean bool(NetworkConfig config, String name) {
        Object value = config.backendValue(name);
        if (value == null) {
            return false;
        }
        if (!(value instanceof Boolean b)) {
            throw new InvalidConfigException("Backend." + name, "expected true or false, got " + value);
        }
        return b;
    }
}
