package dev.weft.agent.backend;

import dev.weft.agent.hostgw.HostGwBackend;
import dev.weft.agent.udp.UdpBackend;
import dev.weft.agent.vxlan.VxlanBackend;
import dev.weft.core.config.NetworkConfig;

/** Backends by type name, as Flannel registers them. */
public final class BackendFactory {
    private BackendFactory() {
    }

    public static Backend create(NetworkConfig config, ExternalInterface external, BackendContext context) {
        return switch (config.backendType()) {
            case "udp" -> UdpBackend.create(config, external, context);
            case "vxlan" -> VxlanBackend.create(config, external, context);
            case "host-gw" -> HostGwBackend.create(external, context);
            default -> throw new IllegalArgumentException("unknown backend type \"" + config.backendType()
                + "\" in Backend.Type: expected udp, vxlan or host-gw");
        };
    }
}
