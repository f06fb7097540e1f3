package dev.weft.core.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class OverlayNetworkConfigTest {

    private static OverlayNetworkSpec spec(Consumer<OverlayNetworkSpec> change) {
        var spec = new OverlayNetworkSpec();
        spec.setNetwork("10.244.0.0/16");
        change.accept(spec);
        return spec;
    }

    @Test
    void aMinimalSpecGetsFlannelsDefaults() {
        var config = OverlayNetworkConfig.of(spec(s -> { }));
        assertEquals(Cidr.parse("10.244.0.0/16"), config.network().network());
        assertEquals(24, config.network().subnetLen());
        assertEquals("udp", config.network().backendType());
        assertEquals(Duration.ofHours(24), config.leaseDuration());
        assertEquals(Duration.ofHours(1), config.renewMargin());
        assertEquals(255, config.network().ipv4Capacity());
    }

    @Test
    void backendFieldsBecomeFlannelsBackendSection() {
        var config = OverlayNetworkConfig.of(spec(s -> {
            var b = new BackendSpec();
            b.setType("vxlan");
            b.setVni(4);
            b.setPort(4789);
            b.setDirectRouting(true);
            s.setBackend(b);
        }));
        assertEquals("vxlan", config.network().backendType());
        assertEquals(4, config.network().backendValue("VNI"));
        assertEquals(4789, config.network().backendValue("Port"));
        assertEquals(true, config.network().backendValue("DirectRouting"));
    }

    static List<Arguments> invalidSpecs() {
        return List.of(
            Arguments.of("bad CIDR", (Consumer<OverlayNetworkSpec>) s -> s.setNetwork("10.244.0.0/33"), "spec.network"),
            Arguments.of("subnetLength too long", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetLength(31), "spec.subnetLength"),
            Arguments.of("subnetLength too short", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetLength(17), "spec.subnetLength"),
            Arguments.of("subnetMin outside", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetMin("10.245.0.0"), "spec.subnetMin"),
            Arguments.of("subnetMax misaligned", (Consumer<OverlayNetworkSpec>) s -> s.setSubnetMax("10.244.3.7"), "spec.subnetMax"),
            Arguments.of("unknown backend", (Consumer<OverlayNetworkSpec>) s -> backend(s, "wireguard", null), "spec.backend.type"),
            Arguments.of("port out of range", (Consumer<OverlayNetworkSpec>) s -> backend(s, "udp", 70000), "spec.backend.port"),
            Arguments.of("vni with udp", (Consumer<OverlayNetworkSpec>) s -> {
                backend(s, "udp", null);
                s.getBackend().setVni(3);
            }, "spec.backend.vni"),
            Arguments.of("unknown store", (Consumer<OverlayNetworkSpec>) s -> store(s, "consul"), "spec.leaseStore.type"),
            Arguments.of("etcd without endpoints", (Consumer<OverlayNetworkSpec>) s -> store(s, "etcd"), "spec.leaseStore.etcd.endpoints"),
            Arguments.of("bad duration", (Consumer<OverlayNetworkSpec>) s -> {
                store(s, "kubernetes");
                s.getLeaseStore().setLeaseDuration("a day");
            }, "spec.leaseStore.leaseDuration"),
            Arguments.of("margin above duration", (Consumer<OverlayNetworkSpec>) s -> {
                store(s, "kubernetes");
                s.getLeaseStore().setLeaseDuration("1h");
                s.getLeaseStore().setRenewMargin("2h");
            }, "spec.leaseStore.renewMargin"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSpecs")
    void anInvalidSpecNamesTheField(String what, Consumer<OverlayNetworkSpec> change, String field) {
        var e = assertThrows(InvalidSpecException.class, () -> OverlayNetworkConfig.of(spec(change)));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
    }

    @Test
    void goDurationsParseAsGoWritesThem() {
        assertEquals(Duration.ofHours(24), GoDuration.parse("f", "24h"));
        assertEquals(Duration.ofMinutes(90), GoDuration.parse("f", "1h30m"));
        assertEquals(Duration.ofMillis(1500), GoDuration.parse("f", "1.5s"));
        var e = assertThrows(InvalidSpecException.class, () -> GoDuration.parse("spec.x", "10 h"));
        assertEquals("spec.x", e.field());
    }

    @Test
    void subnetLeaseNamesReplaceDotsAndSlashes() {
        assertEquals("default.10-244-3-0-24", SubnetLease.nameFor("default", Cidr.parse("10.244.3.0/24")));
    }

    private static void backend(OverlayNetworkSpec s, String type, Integer port) {
        var b = new BackendSpec();
        b.setType(type);
        b.setPort(port);
        s.setBackend(b);
    }

    private static void store(OverlayNetworkSpec s, String type) {
        var l = new LeaseStoreSpec();
        l.setType(type);
        s.setLeaseStore(l);
    }
}
