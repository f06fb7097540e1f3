package dev.weft.agent.udp;

import dev.weft.core.net.Cidr;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/** A remote host as the UDP backend sees it: its subnet and where to send that subnet's packets. */
record Peer(Cidr subnet, Inet4Address publicIp, InetSocketAddress endpoint) {
}
