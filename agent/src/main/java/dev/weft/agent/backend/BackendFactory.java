package dev.weft.agent.backend;

import dev.weft.agent.udp.UdpBackend;
import dev.weft.core.config.NetworkConfig;

/** Backends by type name, as Flannel registers them. */
public final class BackendFactory {
    private BackendFactory() {
    }

    public static Backend create(NetworkConfig config, ExternalInterface external, BackendContext context) {
        return switch (config.backendType()) {
            case "udp" -> UdpBackend.create(config, external, context);
            case "vxlan", "host-gw" -> throw new IllegalArgumentException("backend type \"" + config.backendType()
                + "\" is not implemented yet in Weft (only udp is); see README's feature table");
            default -> throw new IllegalArgumentException("unknown backend type \"" + config.backendType()
                + "\" in Backend.Type: expected udp, vxlan or host-gw");
        };
    }
}
