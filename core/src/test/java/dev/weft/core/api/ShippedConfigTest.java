package dev.weft.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.net.Cidr;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every sample in config/ is what it says it is, and valid. */
class ShippedConfigTest {
    private static final Path CONFIG = Path.of("..", "config");

    @Test
    void everySampleOverlayNetworkIsValidAndTheyCoverEachBackendOnEachStore() throws IOException {
        List<Path> samples;
        try (Stream<Path> files = Files.list(CONFIG.resolve("samples"))) {
            samples = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        Set<String> seen = new HashSet<>();
        List<Cidr> networks = new ArrayList<>();
        for (Path sample : samples) {
            OverlayNetwork network = Serialization.unmarshal(Files.readString(sample), OverlayNetwork.class);
            var config = OverlayNetworkConfig.of(network.getSpec());
            String backend = network.getSpec().backendOrDefault().typeOrDefault();
            String store = network.getSpec().leaseStoreOrDefault().typeOrDefault();
            assertEquals("overlaynetwork-" + backend + "-" + store + ".yaml", sample.getFileName().toString());
            assertEquals(backend, config.network().backendType());
            for (Cidr other : networks) {
                assertFalse(other.overlaps(config.network().network()), sample + " overlaps another sample");
            }
            networks.add(config.network().network());
            seen.add(backend + "/" + store);
        }
        assertEquals(Set.of("udp/kubernetes", "vxlan/kubernetes", "host-gw/kubernetes", "udp/etcd", "vxlan/etcd", "host-gw/etcd"), seen);
    }

    @Test
    void theStandaloneNetConfIsValidFlannelConfig() throws IOException {
        var config = NetworkConfigJson.parse(Files.readString(CONFIG.resolve("net-conf.json")));
        assertEquals(Cidr.parse("10.1.0.0/16"), config.network());
        assertEquals("udp", config.backendType());
    }

    @Test
    void theCniConflistChainsTheFlannelPluginAndPortmap() throws IOException {
        var conflist = new ObjectMapper().readTree(Files.readString(CONFIG.resolve("cni").resolve("10-weft.conflist")));
        assertEquals("flannel", conflist.get("plugins").get(0).get("type").asText());
        assertEquals("/run/flannel/subnet.env", conflist.get("plugins").get(0).get("subnetFile").asText());
        assertTrue(conflist.get("plugins").get(1).get("capabilities").get("portMappings").asBoolean());
    }
}
