package dev.weft.agent.backend;

import java.net.Inet4Address;

/**
 * The underlay interface the agent talks to peers through (flannel-compat §7).
 *
 * @param name          interface name, e.g. eth0
 * @param index         kernel link index
 * @param mtu           its MTU
 * @param interfaceAddr its own IPv4 address (the UDP socket binds here, as Flannel)
 * @param publicIp      what peers send to: --public-ip, or the interface address
 */
public record ExternalInterface(String name, int index, int mtu, Inet4Address interfaceAddr, Inet4Address publicIp) {
}
