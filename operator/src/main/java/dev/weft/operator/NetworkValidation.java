package dev.weft.operator;

import dev.weft.core.api.InvalidSpecException;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.api.OverlayNetworkConfig;
import dev.weft.core.net.Cidr;
import java.util.Collection;
import java.util.Comparator;

/**
 * The checks of an OverlayNetwork that need more than its own spec: besides Flannel's rules
 * ({@link OverlayNetworkConfig}), its network must not overlap another OverlayNetwork's. Of two
 * that overlap, the older one keeps working and the newer one is reported.
 */
final class NetworkValidation {
    private static final Comparator<OverlayNetwork> AGE = Comparator
        .comparing((OverlayNetwork n) -> n.getMetadata().getCreationTimestamp() == null ? "" : n.getMetadata().getCreationTimestamp())
        .thenComparing(n -> n.getMetadata().getName());

    private NetworkValidation() {
    }

    static OverlayNetworkConfig validate(OverlayNetwork network, Collection<OverlayNetwork> all) {
        OverlayNetworkConfig config = OverlayNetworkConfig.of(network.getSpec());
        for (OverlayNetwork other : all) {
            if (other.getMetadata().getName().equals(network.getMetadata().getName()) || AGE.compare(other, network) > 0) {
                continue;
            }
            Cidr otherNetwork;
            try {
                otherNetwork = OverlayNetworkConfig.of(other.getSpec()).network().network();
            } catch (InvalidSpecException e) {
                continue; // an invalid network claims no addresses
            }
            if (otherNetwork.overlaps(config.network().network())) {
                throw new InvalidSpecException("spec.network", config.network().network() + " overlaps OverlayNetwork "
                    + other.getMetadata().getName() + " (" + otherNetwork + ")");
            }
        }
        return config;
    }
}
