package dev.weft.agent.backend;

import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.udp.DataPathStats;

/**
 * What the agent lends a backend: its rtnetlink socket, the data path counters it exports, and
 * whether the UDP backend may use TUN offloads and UDP GSO/GRO (--udp-offloads).
 */
public record BackendContext(RouteNetlink netlink, DataPathStats udpStats, boolean udpOffloads) {
}
