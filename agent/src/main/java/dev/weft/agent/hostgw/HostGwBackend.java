package dev.weft.agent.hostgw;

import dev.weft.agent.backend.Backend;
import dev.weft.agent.backend.BackendContext;
import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.backend.PeriodicCheck;
import dev.weft.agent.backend.ProgrammedPeers;
import dev.weft.agent.os.Errno;
import dev.weft.agent.os.LibC;
import dev.weft.agent.os.NativeException;
import dev.weft.agent.os.NetlinkException;
import dev.weft.agent.os.Route;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.os.Rtnl;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.net.Inet4Address;
import java.util.Collection;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Flannel's host-gw backend (flannel-compat §5): every peer's subnet is routed via the peer's public
 * IP on the external interface, so all hosts must share one L2 network. A peer that is not on a
 * directly connected network gets an error of its own, logged once, and is retried; the others are
 * programmed all the same. Every 10 s the routes are checked and any deleted by hand put back.
 */
public final class HostGwBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(HostGwBackend.class);
    /** Flannel's route check period. */
    static final long CHECK_INTERVAL_MS = 10_000;

    private final ExternalInterface external;
    private final RouteNetlink netlink;
    private final long checkIntervalMs;
    private final ProgrammedPeers<Route> peers = new ProgrammedPeers<>("host-gw");
    private PeriodicCheck checker;
    private boolean started;
    private boolean closed;

    private HostGwBackend(ExternalInterface external, RouteNetlink netlink, long checkIntervalMs) {
        this.external = external;
        this.netlink = netlink;
        this.checkIntervalMs = checkIntervalMs;
    }

    public static HostGwBackend create(ExternalInterface external, BackendContext context) {
        return create(external, context.netlink(), CHECK_INTERVAL_MS);
    }

    static HostGwBackend create(ExternalInterface external, RouteNetlink netlink, long checkIntervalMs) {
        if (!external.publicIp().equals(external.interfaceAddr())) {
            throw new IllegalArgumentException("the host-gw backend needs --public-ip (" + IpAddresses.format(external.publicIp())
                + ") to be the address of " + external.name() + " (" + IpAddresses.format(external.interfaceAddr())
                + "): peers route to it directly, so NAT is not supported by host-gw");
        }
        return new HostGwBackend(external, netlink, checkIntervalMs);
    }

    @Override
    public LeaseAttrs leaseAttrs(ExternalInterface ext) {
        return new LeaseAttrs(ext.publicIp(), null, "host-gw", null, null);
    }

    @Override
    public synchronized int start(Lease ownLease) {
        started = true;
        if (checker == null) {
            checker = PeriodicCheck.start("weft-hostgw-check", checkIntervalMs, this::check);
        }
        program();
        return external.mtu();
    }

    @Override
    public synchronized void setPeers(Collection<Lease> leases) {
        peers.clearDesired();
        for (Lease lease : leases) {
            if (!peers.isOfType(lease, "host-gw")) {
                continue;
            }
            SubnetKey key = lease.subnet();
            peers.want(key, Route.via(key.ipv4(), lease.attrs().publicIp(), external.index()));
        }
        if (started && !closed) {
            program();
        }
    }

    private void program() {
        peers.apply(routes);
    }

    /** The kernel side: one route per peer via its public IP, on the external interface. */
    private final ProgrammedPeers.Programmer<Route> routes = new ProgrammedPeers.Programmer<>() {
        @Override
        public void add(Route route) throws Exception {
            checkDirectlyConnected(route);
            netlink.replaceRoute(route);
            LOG.infof("added route %s", route.describe(external.name()));
        }

        @Override
        public void remove(Route route) {
            try {
                netlink.deleteRoute(route);
                LOG.infof("removed route %s", route.describe(external.name()));
            } catch (NetlinkException e) {
                if (e.errno() != Errno.ESRCH) {
                    LOG.warnf("removing route: %s", e.getMessage());
                }
            } catch (NativeException e) {
                LOG.warnf("removing route: %s", e.getMessage());
            }
        }
    };

    /** The kernel must reach the gateway straight out of the external interface, with no router between. */
    private void checkDirectlyConnected(Route route) throws NativeException {
        String gateway = IpAddresses.format(route.gateway());
        Route path;
        try {
            path = netlink.routeTo(route.gateway());
        } catch (NetlinkException e) {
            if (e.errno() == Errno.ENETUNREACH || e.errno() == Errno.EHOSTUNREACH) {
                throw new IllegalStateException("cannot route " + route.destination() + " via " + gateway + ": "
                    + gateway + " is not on a directly connected network of " + external.name() + " (no route to it)");
            }
            throw e;
        }
        if (path.gateway() != null || path.linkIndex() != external.index()) {
            throw new IllegalStateException("cannot route " + route.destination() + " via " + gateway + ": " + gateway
                + " is not on a directly connected network of " + external.name() + " (the kernel reaches it"
                + (path.gateway() == null ? "" : " via " + IpAddresses.format(path.gateway()))
                + " on link #" + path.linkIndex() + "); host-gw needs all hosts on one L2 network");
        }
    }

    /** Puts back routes deleted by hand and retries failed peers. */
    private synchronized void check() {
        if (closed) {
            return;
        }
        try {
            List<Route> present = netlink.routes(LibC.AF_INET);
            peers.forgetIf(route -> {
                boolean there = present.stream().anyMatch(r -> r.table() == Rtnl.RT_TABLE_MAIN
                    && r.destination().equals(route.destination()) && route.gateway().equals(r.gateway())
                    && r.linkIndex() == route.linkIndex());
                if (!there) {
                    LOG.warnf("route %s is missing; adding it again", route.describe(external.name()));
                }
                return !there;
            });
            program();
        } catch (Exception e) {
            LOG.errorf("checking host-gw routes failed: %s", e.getMessage());
        }
    }

    /** Stops checking; the routes stay, as with flanneld. */
    @Override
    public synchronized void close() {
        closed = true;
        if (checker != null) {
            checker.close();
        }
    }
}
