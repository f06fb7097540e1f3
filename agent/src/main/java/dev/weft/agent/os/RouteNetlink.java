package dev.weft.agent.os;

import dev.weft.core.net.IpAddresses;
import java.io.Closeable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the agent asks of rtnetlink: links, addresses and routes, in the network namespace of
 * the thread that opened it. Each call is one request answered before the next (synchronized).
 * Failures are {@link NetlinkException}s worded like `ip`: "route add 10.1.0.0/16 dev flannel0:
 * File exists (EEXIST)"; check {@link NetlinkException#errno()} to tolerate e.g. EEXIST.
 */
public final class RouteNetlink implements Closeable {
    private static final int ACKED = Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK;
    private static final int DUMP = Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP;

    private final Netlink netlink;

    private RouteNetlink(Netlink netlink) {
        this.netlink = netlink;
    }

    /** Opens a NETLINK_ROUTE socket in the calling thread's network namespace. */
    public static RouteNetlink open() throws NativeException {
        return new RouteNetlink(Netlink.openRoute());
    }

    // ---- links

    /** The link called {@code name}, or empty when there is none. */
    public synchronized Optional<Link> linkByName(String name) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETLINK, ACKED)
            .ifinfomsg(0, 0, 0, 0, 0)
            .attrString(Rtnl.IFLA_IFNAME, name);
        return singleLink(request, () -> "link show dev " + name);
    }

    /** The link with {@code index}, or empty when there is none. */
    public synchronized Optional<Link> link(int index) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETLINK, ACKED).ifinfomsg(0, 0, index, 0, 0);
        return singleLink(request, () -> "link show index " + index);
    }

    private Optional<Link> singleLink(RtnlMessage request, Supplier<String> operation)
        throws NativeException {
        try {
            return netlink.request(request, operation).stream()
                .filter(m -> m.type() == Rtnl.RTM_NEWLINK).map(Link::decode).findFirst();
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    public synchronized List<Link> links() throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETLINK, DUMP).ifinfomsg(0, 0, 0, 0, 0);
        return netlink.request(request, () -> "link list").stream()
            .filter(m -> m.type() == Rtnl.RTM_NEWLINK).map(Link::decode).toList();
    }

    public synchronized void setLinkUp(int index) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_NEWLINK, ACKED)
            .ifinfomsg(0, 0, index, Rtnl.IFF_UP, Rtnl.IFF_UP);
        netlink.request(request, () -> "link set dev " + linkName(index) + " up");
    }

    public synchronized void setMtu(int index, int mtu) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_NEWLINK, ACKED)
            .ifinfomsg(0, 0, index, 0, 0)
            .attrU32(Rtnl.IFLA_MTU, mtu);
        netlink.request(request, () -> "link set dev " + linkName(index) + " mtu " + mtu);
    }

    /** The transmit queue length: how many packets the kernel holds for a device before dropping. */
    public synchronized void setTxQueueLength(int index, int packets) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_NEWLINK, ACKED)
            .ifinfomsg(0, 0, index, 0, 0)
            .attrU32(Rtnl.IFLA_TXQLEN, packets);
        netlink.request(request, () -> "link set dev " + linkName(index) + " txqueuelen " + packets);
    }

    /** Deletes the link (with its addresses, routes and neighbours). ENODEV when it is gone already. */
    public synchronized void deleteLink(int index) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_DELLINK, ACKED).ifinfomsg(0, 0, index, 0, 0);
        netlink.request(request, () -> "link del dev " + linkName(index));
    }

    // ---- VXLAN devices

    /**
     * Creates a VXLAN device {@code name} with the given parameters, MTU and MAC (down; bring it up
     * with {@link #setLinkUp}) and returns its index. EEXIST when a link of that name exists.
     */
    public synchronized int addVxlan(String name, VxlanParams params, int mtu, MacAddress mac) throws NativeException {
        RtnlMessage request = vxlanAddMessage(name, params, mtu, mac);
        netlink.request(request, () -> "link add " + name + " mtu " + mtu + " address " + mac + " type " + params);
        return linkByName(name).orElseThrow(() -> new NetlinkException("link show dev " + name, Errno.ENODEV,
            "created, then gone")).index();
    }

    static RtnlMessage vxlanAddMessage(String name, VxlanParams params, int mtu, MacAddress mac) {
        RtnlMessage message = RtnlMessage.request(Rtnl.RTM_NEWLINK, ACKED | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL)
            .ifinfomsg(0, 0, 0, 0, 0)
            .attrString(Rtnl.IFLA_IFNAME, name)
            .attrU32(Rtnl.IFLA_MTU, mtu)
            .attr(Rtnl.IFLA_ADDRESS, mac.bytes());
        int linkInfo = message.beginNested(Rtnl.IFLA_LINKINFO);
        message.attrString(Rtnl.IFLA_INFO_KIND, "vxlan");
        int data = message.beginNested(Rtnl.IFLA_INFO_DATA);
        params.encode(message);
        message.endNested(data);
        return message.endNested(linkInfo);
    }

    /** The VXLAN parameters of link {@code index}; empty when there is no such link or it is not VXLAN. */
    public synchronized Optional<VxlanParams> vxlanParams(int index) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETLINK, ACKED).ifinfomsg(0, 0, index, 0, 0);
        try {
            return netlink.request(request, () -> "link show index " + index).stream()
                .filter(m -> m.type() == Rtnl.RTM_NEWLINK)
                .map(m -> m.attributes(Rtnl.IFINFOMSG_SIZE).nested(Rtnl.IFLA_LINKINFO))
                .filter(info -> "vxlan".equals(info.string(Rtnl.IFLA_INFO_KIND)))
                .map(info -> VxlanParams.decode(info.nested(Rtnl.IFLA_INFO_DATA)))
                .findFirst();
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    // ---- neighbours and the forwarding database

    /** Sets a permanent neighbour entry {@code ip lladdr mac} on the link (`ip neigh replace ... nud permanent`). */
    public synchronized void replaceNeighbour(int linkIndex, InetAddress ip, MacAddress mac) throws NativeException {
        RtnlMessage request = neighbourMessage(Rtnl.RTM_NEWNEIGH, ACKED | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE,
            family(ip), linkIndex, Rtnl.NUD_PERMANENT, 0, ip, mac);
        netlink.request(request, () -> "neigh replace " + IpAddresses.format(ip) + " lladdr " + mac + " dev "
            + linkName(linkIndex) + " nud permanent");
    }

    /** Deletes the neighbour entry for {@code ip}; ENOENT when there is none. */
    public synchronized void deleteNeighbour(int linkIndex, InetAddress ip) throws NativeException {
        RtnlMessage request = neighbourMessage(Rtnl.RTM_DELNEIGH, ACKED, family(ip), linkIndex, 0, 0, ip, null);
        netlink.request(request, () -> "neigh del " + IpAddresses.format(ip) + " dev " + linkName(linkIndex));
    }

    /**
     * Points {@code mac} at the remote VTEP {@code remote} in the device's own forwarding database
     * (`bridge fdb replace MAC dev DEV dst REMOTE self permanent`).
     */
    public synchronized void replaceFdb(int linkIndex, MacAddress mac, InetAddress remote) throws NativeException {
        RtnlMessage request = neighbourMessage(Rtnl.RTM_NEWNEIGH, ACKED | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE,
            Rtnl.AF_BRIDGE, linkIndex, Rtnl.NUD_PERMANENT, Rtnl.NTF_SELF, remote, mac);
        netlink.request(request, () -> "fdb replace " + mac + " dev " + linkName(linkIndex) + " dst "
            + IpAddresses.format(remote) + " self permanent");
    }

    /** Deletes the FDB entry {@code mac → remote}; ENOENT when there is none. */
    public synchronized void deleteFdb(int linkIndex, MacAddress mac, InetAddress remote) throws NativeException {
        RtnlMessage request = neighbourMessage(Rtnl.RTM_DELNEIGH, ACKED, Rtnl.AF_BRIDGE, linkIndex, 0, Rtnl.NTF_SELF,
            remote, mac);
        netlink.request(request, () -> "fdb del " + mac + " dev " + linkName(linkIndex) + " dst "
            + IpAddresses.format(remote) + " self");
    }

    /** The entries of {@code family} (AF_INET neighbours, or AF_BRIDGE FDB entries) on one link. */
    public synchronized List<Neighbour> neighbours(int family, int linkIndex) throws NativeException {
        RtnlMessage request = neighbourMessage(Rtnl.RTM_GETNEIGH, DUMP, family, 0, 0, 0, null, null);
        return netlink.request(request, () -> family == Rtnl.AF_BRIDGE ? "fdb show" : "neigh show").stream()
            .filter(m -> m.type() == Rtnl.RTM_NEWNEIGH).map(Neighbour::decode)
            .filter(n -> n.linkIndex() == linkIndex && n.family() == family).toList();
    }

    /** struct ndmsg {u8 family, pad1; u16 pad2; s32 ifindex; u16 state; u8 flags, type} and NDA_DST, NDA_LLADDR. */
    static RtnlMessage neighbourMessage(int type, int flags, int family, int linkIndex, int state, int ntfFlags,
                                        InetAddress dst, MacAddress mac) {
        byte[] ndmsg = java.nio.ByteBuffer.allocate(Rtnl.NDMSG_SIZE).order(java.nio.ByteOrder.nativeOrder())
            .put((byte) family).put((byte) 0).putShort((short) 0).putInt(linkIndex)
            .putShort((short) state).put((byte) ntfFlags).put((byte) 0).array();
        RtnlMessage message = RtnlMessage.request(type, flags).header(ndmsg);
        if (dst != null) {
            message.attrAddress(Rtnl.NDA_DST, dst);
        }
        if (mac != null) {
            message.attr(Rtnl.NDA_LLADDR, mac.bytes());
        }
        return message;
    }

    private static int family(InetAddress ip) {
        return ip instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
    }

    // ---- addresses

    /**
     * Adds {@code address/prefixLength} to the link; for IPv4 the broadcast address is set
     * too, as Flannel's netlink library does. Fails with EEXIST when it is already there.
     */
    public synchronized void addAddress(int linkIndex, InetAddress address, int prefixLength) throws NativeException {
        RtnlMessage request = addressMessage(Rtnl.RTM_NEWADDR, ACKED | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL,
            linkIndex, address, prefixLength);
        netlink.request(request, () -> "address add " + IpAddresses.format(address) + "/" + prefixLength
            + " dev " + linkName(linkIndex));
    }

    public synchronized void deleteAddress(int linkIndex, InetAddress address, int prefixLength) throws NativeException {
        RtnlMessage request = addressMessage(Rtnl.RTM_DELADDR, ACKED, linkIndex, address, prefixLength);
        netlink.request(request, () -> "address del " + IpAddresses.format(address) + "/" + prefixLength
            + " dev " + linkName(linkIndex));
    }

    /** The IPv4 and IPv6 addresses of one link. */
    public synchronized List<LinkAddress> addresses(int linkIndex) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETADDR, DUMP).ifaddrmsg(0, 0, 0, 0, 0);
        return netlink.request(request, () -> "address list").stream()
            .filter(m -> m.type() == Rtnl.RTM_NEWADDR).map(LinkAddress::decode)
            .filter(a -> a.linkIndex() == linkIndex).toList();
    }

    static RtnlMessage addressMessage(int type, int flags, int linkIndex, InetAddress address, int prefixLength) {
        int family = address instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
        checkPrefix(address, prefixLength);
        RtnlMessage message = RtnlMessage.request(type, flags)
            .ifaddrmsg(family, prefixLength, 0, Rtnl.RT_SCOPE_UNIVERSE, linkIndex)
            .attrAddress(Rtnl.IFA_LOCAL, address)
            .attrAddress(Rtnl.IFA_ADDRESS, address);
        if (type == Rtnl.RTM_NEWADDR && address instanceof Inet4Address v4 && prefixLength < 31) {
            message.attrAddress(Rtnl.IFA_BROADCAST, broadcast(v4, prefixLength));
        }
        return message;
    }

    private static void checkPrefix(InetAddress address, int prefixLength) {
        int bits = IpAddresses.bits(address);
        if (prefixLength < 0 || prefixLength > bits) {
            throw new IllegalArgumentException("prefix length " + prefixLength + " for " + IpAddresses.format(address)
                + " out of range 0.." + bits);
        }
    }

    private static InetAddress broadcast(Inet4Address address, int prefixLength) {
        int hostMask = prefixLength == 0 ? -1 : (1 << (32 - prefixLength)) - 1;
        return IpAddresses.fromInt(IpAddresses.toInt(address) | hostMask);
    }

    // ---- routes

    /** Adds the route; fails with EEXIST when one with the same destination and metric exists. */
    public synchronized void addRoute(Route route) throws NativeException {
        RtnlMessage request = routeMessage(Rtnl.RTM_NEWROUTE, ACKED | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL, route);
        netlink.request(request, () -> "route add " + route.describe(linkName(route.linkIndex())));
    }

    /** Adds the route, or replaces the one with the same destination and metric. */
    public synchronized void replaceRoute(Route route) throws NativeException {
        RtnlMessage request = routeMessage(Rtnl.RTM_NEWROUTE, ACKED | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_REPLACE, route);
        netlink.request(request, () -> "route replace " + route.describe(linkName(route.linkIndex())));
    }

    /**
     * Deletes the route matching destination, table and — when set — gateway, link and metric.
     * Scope and protocol are not matched, as with `ip route del`. ESRCH when none matches.
     */
    public synchronized void deleteRoute(Route route) throws NativeException {
        Route match = new Route(route.destination(), route.gateway(), route.linkIndex(), route.table(),
            Rtnl.RT_SCOPE_NOWHERE, route.type(), Rtnl.RTPROT_UNSPEC, 0, route.preferredSource(), route.priority());
        RtnlMessage request = routeMessage(Rtnl.RTM_DELROUTE, ACKED, match);
        netlink.request(request, () -> "route del " + route.describe(linkName(route.linkIndex())));
    }

    /** Every route of {@code family} (LibC.AF_INET or AF_INET6) in every table. */
    public synchronized List<Route> routes(int family) throws NativeException {
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETROUTE, DUMP).rtmsg(family, 0, 0, 0, 0, 0, 0, 0, 0);
        return netlink.request(request, () -> "route list").stream()
            .filter(m -> m.type() == Rtnl.RTM_NEWROUTE).map(Route::decode).toList();
    }

    /** The IPv4 default route of the main table with the lowest metric, if any. */
    public Optional<Route> defaultRoute() throws NativeException {
        return defaultRoute(LibC.AF_INET);
    }

    /** The IPv6 default route of the main table with the lowest metric, if any. */
    public Optional<Route> defaultRoute6() throws NativeException {
        return defaultRoute(LibC.AF_INET6);
    }

    private Optional<Route> defaultRoute(int family) throws NativeException {
        return routes(family).stream()
            .filter(r -> r.isDefault() && r.table() == Rtnl.RT_TABLE_MAIN && r.type() == Rtnl.RTN_UNICAST)
            .min(Comparator.comparingInt(Route::priority));
    }

    /**
     * The route the kernel would use to reach {@code destination} (RTM_GETROUTE, like
     * `ip route get`): its output link, gateway (null when directly connected) and preferred
     * source. Fails with ENETUNREACH when nothing routes there.
     */
    public synchronized Route routeTo(InetAddress destination) throws NativeException {
        int family = destination instanceof Inet4Address ? LibC.AF_INET : LibC.AF_INET6;
        int bits = IpAddresses.bits(destination);
        RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETROUTE, ACKED)
            .rtmsg(family, bits, 0, 0, 0, 0, 0, 0, 0)
            .attrAddress(Rtnl.RTA_DST, destination);
        return netlink.request(request, () -> "route get " + IpAddresses.format(destination)).stream()
            .filter(m -> m.type() == Rtnl.RTM_NEWROUTE).map(Route::decode).findFirst()
            .orElseThrow(() -> new NetlinkException("route get " + IpAddresses.format(destination), Errno.ENETUNREACH,
                "no route in the reply"));
    }

    static RtnlMessage routeMessage(int type, int flags, Route route) {
        int family = route.family();
        int table = route.table();
        RtnlMessage message = RtnlMessage.request(type, flags)
            .rtmsg(family, route.destination().prefixLength(), 0, 0, table > 255 ? Rtnl.RT_TABLE_UNSPEC : table,
                route.protocol(), route.scope(), route.type(), route.flags());
        if (route.destination().prefixLength() > 0) {
            message.attrAddress(Rtnl.RTA_DST, route.destination().address());
        }
        if (table > 255) {
            message.attrU32(Rtnl.RTA_TABLE, table);
        }
        if (route.gateway() != null) {
            message.attrAddress(Rtnl.RTA_GATEWAY, route.gateway());
        }
        if (route.preferredSource() != null) {
            message.attrAddress(Rtnl.RTA_PREFSRC, route.preferredSource());
        }
        if (route.priority() != 0) {
            message.attrU32(Rtnl.RTA_PRIORITY, route.priority());
        }
        if (route.linkIndex() != 0) {
            message.attrU32(Rtnl.RTA_OIF, route.linkIndex());
        }
        return message;
    }

    /** For error messages only: the link's name, or "#index" when it cannot be looked up. */
    private String linkName(int index) {
        if (index == 0) {
            return null;
        }
        try {
            RtnlMessage request = RtnlMessage.request(Rtnl.RTM_GETLINK, ACKED).ifinfomsg(0, 0, index, 0, 0);
            return netlink.request(request, () -> "link show index " + index).stream()
                .filter(m -> m.type() == Rtnl.RTM_NEWLINK).map(Link::decode).map(Link::name)
                .findFirst().orElse("#" + index);
        } catch (NativeException e) {
            return "#" + index;
        }
    }

    @Override
    public void close() {
        netlink.close();
    }
}
