package dev.weft.agent.net;

import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.os.Link;
import dev.weft.agent.os.LinkAddress;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Picks the underlay interface and public IP as flanneld does (flannel-compat.md §7): --iface
 * (IP or name) in order, then --iface-regex (against IPs, then names), then --iface-can-reach;
 * with none of them, the interface holding --public-ip, else the default route's interface.
 */
public final class ExternalInterfaceSelector {
    private static final int RT_SCOPE_UNIVERSE = 0;
    private static final int RT_SCOPE_LINK = 253;

    private final RouteNetlink netlink;

    public ExternalInterfaceSelector(RouteNetlink netlink) {
        this.netlink = netlink;
    }

    /** Throws IllegalStateException saying which rule found nothing. */
    public ExternalInterface select(List<String> ifaces, List<String> regexes, String canReach, String publicIp) throws Exception {
        List<Link> links = netlink.links();
        Inet4Address chosenAddress = null;
        Link chosen = null;
        if (ifaces.isEmpty() && regexes.isEmpty() && canReach.isEmpty()) {
            if (!publicIp.isEmpty()) {
                InetAddress wanted = IpAddresses.parse(publicIp);
                for (Link link : links) {
                    if (holds(link, wanted)) {
                        chosen = link;
                        chosenAddress = (Inet4Address) wanted;
                    }
                }
                if (chosen == null) {
                    throw new IllegalStateException("no interface holds --public-ip " + publicIp
                        + " (behind NAT? name the interface with --iface)");
                }
            } else {
                var route = netlink.defaultRoute().orElseThrow(() ->
                    new IllegalStateException("no default IPv4 route to pick the interface from: set --iface"));
                int index = route.linkIndex();
                chosen = links.stream().filter(l -> l.index() == index).findFirst()
                    .orElseThrow(() -> new IllegalStateException("default route points at unknown link index " + index));
            }
        } else {
            for (String iface : ifaces) {
                if (chosen != null) {
                    break;
                }
                if (looksLikeIp(iface)) {
                    InetAddress wanted = IpAddresses.parse(iface);
                    for (Link link : links) {
                        if (holds(link, wanted)) {
                            chosen = link;
                            chosenAddress = wanted instanceof Inet4Address v4 ? v4 : null;
                        }
                    }
                } else {
                    chosen = links.stream().filter(l -> l.name().equals(iface)).findFirst().orElse(null);
                }
            }
            for (String regex : regexes) {
                if (chosen != null) {
                    break;
                }
                Pattern pattern = Pattern.compile(regex);
                for (Link link : links) {
                    for (LinkAddress a : netlink.addresses(link.index())) {
                        if (chosen == null && a.isIpv4() && pattern.matcher(a.address().getHostAddress()).matches()) {
                            chosen = link;
                            chosenAddress = (Inet4Address) a.address();
                        }
                    }
                }
                if (chosen == null) {
                    chosen = links.stream().filter(l -> pattern.matcher(l.name()).matches()).findFirst().orElse(null);
                }
            }
            if (chosen == null && !canReach.isEmpty()) {
                int index = netlink.routeTo(IpAddresses.parse(canReach)).linkIndex();
                chosen = links.stream().filter(l -> l.index() == index).findFirst().orElse(null);
            }
            if (chosen == null) {
                throw new IllegalStateException("no interface matches --iface " + ifaces + ", --iface-regex " + regexes
                    + (canReach.isEmpty() ? "" : " or --iface-can-reach " + canReach));
            }
        }
        if (chosenAddress == null) {
            Link link = chosen;
            chosenAddress = chooseAddress(netlink.addresses(chosen.index())).orElseThrow(() ->
                new IllegalStateException("interface " + link.name() + " has no usable IPv4 address"));
        }
        if (chosen.mtu() == 0) {
            throw new IllegalStateException("interface " + chosen.name() + " reports MTU 0");
        }
        Inet4Address external = publicIp.isEmpty() ? chosenAddress : IpAddresses.parseIpv4(publicIp);
        return new ExternalInterface(chosen.name(), chosen.index(), chosen.mtu(), chosenAddress, external);
    }

    /**
     * Flannel's order: IPv4 global or link-local, not deprecated; global before link-local,
     * permanent before dynamic, non-temporary (primary) before secondary.
     */
    static Optional<Inet4Address> chooseAddress(List<LinkAddress> addresses) {
        return addresses.stream()
            .filter(LinkAddress::isIpv4)
            .filter(a -> !a.isDeprecated())
            .filter(a -> a.scope() == RT_SCOPE_UNIVERSE || a.scope() == RT_SCOPE_LINK)
            .sorted(Comparator.comparingInt((LinkAddress a) -> a.scope() == RT_SCOPE_UNIVERSE ? 0 : 1)
                .thenComparingInt(a -> a.isPermanent() ? 0 : 1)
                .thenComparingInt(a -> a.isTemporary() ? 1 : 0))
            .map(a -> (Inet4Address) a.address())
            .findFirst();
    }

    private boolean holds(Link link, InetAddress address) throws Exception {
        for (LinkAddress a : netlink.addresses(link.index())) {
            if (a.address().equals(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean looksLikeIp(String value) {
        try {
            IpAddresses.parse(value);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
