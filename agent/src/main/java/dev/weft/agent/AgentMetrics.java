package dev.weft.agent;

import dev.weft.agent.udp.DataPathStats;
import dev.weft.agent.udp.DropReason;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * Prometheus metrics (/q/metrics) read from the agent's own counters when scraped, so the data
 * path never touches Micrometer.
 */
@ApplicationScoped
public class AgentMetrics {

    @Inject
    AgentRuntime runtime;

    @Inject
    MeterRegistry registry;

    void register(@Observes StartupEvent event) {
        DataPathStats stats = runtime.dataPathStats();
        FunctionCounter.builder("weft_udp_packets", stats, DataPathStats::txPackets).tag("direction", "tx")
            .description("packets sent to peers").register(registry);
        FunctionCounter.builder("weft_udp_packets", stats, DataPathStats::rxPackets).tag("direction", "rx")
            .description("packets from peers written to TUN").register(registry);
        FunctionCounter.builder("weft_udp_bytes", stats, DataPathStats::txBytes).tag("direction", "tx").register(registry);
        FunctionCounter.builder("weft_udp_bytes", stats, DataPathStats::rxBytes).tag("direction", "rx").register(registry);
        for (DropReason reason : DropReason.values()) {
            FunctionCounter.builder("weft_udp_drops", stats, s -> s.drops(reason)).tag("reason", reason.label())
                .description("packets dropped by the UDP data path").register(registry);
        }
        FunctionCounter.builder("weft_udp_datapath_allocated_bytes", stats, DataPathStats::dataPathAllocatedBytes)
            .description("heap bytes allocated by the UDP data path threads (flat: no allocation per packet)")
            .register(registry);
        Gauge.builder("weft_peers", runtime, AgentRuntime::peerCount).description("leased peer hosts").register(registry);
        var lease = runtime.leaseMetrics();
        FunctionCounter.builder("weft_lease_acquisitions", lease, l -> l.acquisitions()).register(registry);
        FunctionCounter.builder("weft_lease_renewals", lease, l -> l.renewals()).register(registry);
        FunctionCounter.builder("weft_store_errors", lease, l -> l.storeErrors()).register(registry);
    }
}
