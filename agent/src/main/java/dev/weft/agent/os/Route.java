package dev.weft.agent.os;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A route: the rtmsg fields and attributes the agent reads and writes.
 *
 * @param gateway         next hop, or null for a route straight out of {@code linkIndex}
 * @param linkIndex       output interface (RTA_OIF), 0 when none
 * @param table           RT_TABLE_MAIN unless stated
 * @param scope           RT_SCOPE_*; routes built here default to universe, as Flannel's do
 * @param type            RTN_* (unicast, blackhole...)
 * @param protocol        RTPROT_* (who installed it; ours are RTPROT_BOOT like `ip route`)
 * @param flags           RTNH_F_* route flags; {@link Rtnl#RTNH_F_ONLINK} for onlink
 * @param preferredSource RTA_PREFSRC, or null
 * @param priority        RTA_PRIORITY (the metric), 0 when unset
 */
public record Route(Cidr destination, InetAddress gateway, int linkIndex, int table, int scope, int type,
                    int protocol, int flags, InetAddress preferredSource, int priority) {

    public Route {
        if (destination == null) {
            throw new IllegalArgumentException("route destination is required");
        }
        if (gateway != null && IpAddresses.bits(gateway) != IpAddresses.bits(destination.address())) {
            throw new IllegalArgumentException("route " + destination + ": gateway " + IpAddresses.format(gateway)
                + " is not of the destination's address family");
        }
    }

    /** {@code dst dev <linkIndex>}, main table, scope universe, unicast. */
    public static Route toLink(Cidr destination, int linkIndex) {
        return new Route(destination, null, linkIndex, Rtnl.RT_TABLE_MAIN, Rtnl.RT_SCOPE_UNIVERSE,
            Rtnl.RTN_UNICAST, Rtnl.RTPROT_BOOT, 0, null, 0);
    }

    /** {@code dst via <gateway> dev <linkIndex>} (linkIndex 0 lets the kernel pick the device). */
    public static Route via(Cidr destination, InetAddress gateway, int linkIndex) {
        return new Route(destination, gateway, linkIndex, Rtnl.RT_TABLE_MAIN, Rtnl.RT_SCOPE_UNIVERSE,
            Rtnl.RTN_UNICAST, Rtnl.RTPROT_BOOT, 0, null, 0);
    }

    public Route withScope(int newScope) {
        return new Route(destination, gateway, linkIndex, table, newScope, type, protocol, flags, preferredSource, priority);
    }

    public Route withType(int newType) {
        return new Route(destination, gateway, linkIndex, table, scope, newType, protocol, flags, preferredSource, priority);
    }

    public Route withTable(int newTable) {
        return new Route(destination, gateway, linkIndex, newTable, scope, type, protocol, flags, preferredSource, priority);
    }

    public Route withPriority(int newPriority) {
        return new Route(destination, gateway, linkIndex, table, scope, type, protocol, flags, preferredSource, newPriority);
    }

    public Route withPreferredSource(InetAddress source) {
        return new Route(destination, gateway, linkIndex, table, scope, type, protocol, flags, source, priority);
    }

    /** The gateway is on the link even if no local address covers it (as VXLAN routes need). */
    public Route withOnLink() {
        return new Route(destination, gateway, linkIndex, table, scope, type, protocol, flags | Rtnl.RTNH_F_ONLINK,
            preferredSource, priority);
    }

    public boolean isOnLink() {
        return (flags & Rtnl.RTNH_F_ONLINK) != 0;
    }

    public boolean isDefault() {
        return destination.prefixLength() == 0;
    }

    public int family() {
        return destination.isIpv4() ? LibC.AF_INET : LibC.AF_INET6;
    }

    static Route decode(NetlinkMessage message) {
        var body = message.body();
        int family = body.get(0) & 0xff;
        int dstLength = body.get(1) & 0xff;
        int headerTable = body.get(4) & 0xff;
        int protocol = body.get(5) & 0xff;
        int scope = body.get(6) & 0xff;
        int type = body.get(7) & 0xff;
        int flags = body.getInt(8);
        RtAttributes attrs = message.attributes(Rtnl.RTMSG_SIZE);
        InetAddress dst = attrs.address(Rtnl.RTA_DST);
        if (dst == null) {
            dst = unspecified(family);
        }
        return new Route(Cidr.of(dst, dstLength), attrs.address(Rtnl.RTA_GATEWAY), attrs.u32(Rtnl.RTA_OIF, 0),
            attrs.u32(Rtnl.RTA_TABLE, headerTable), scope, type, protocol, flags,
            attrs.address(Rtnl.RTA_PREFSRC), attrs.u32(Rtnl.RTA_PRIORITY, 0));
    }

    private static InetAddress unspecified(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == LibC.AF_INET6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As `ip route` would print it (without the table and protocol). */
    public String describe(String linkName) {
        StringBuilder text = new StringBuilder(isDefault() ? "default" : destination.toString());
        if (gateway != null) {
            text.append(" via ").append(IpAddresses.format(gateway));
        }
        if (linkName != null) {
            text.append(" dev ").append(linkName);
        }
        if (isOnLink()) {
            text.append(" onlink");
        }
        return text.toString();
    }
}
