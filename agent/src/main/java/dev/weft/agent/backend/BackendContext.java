package dev.weft.agent.backend;

import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.udp.DataPathStats;

/** What the agent lends a backend: its rtnetlink socket and the data path counters it exports. */
public record BackendContext(RouteNetlink netlink, DataPathStats udpStats) {
}
