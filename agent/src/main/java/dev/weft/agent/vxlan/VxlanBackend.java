package dev.weft.agent.vxlan;

import dev.weft.agent.backend.Backend;
import dev.weft.agent.backend.BackendContext;
import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.backend.PeriodicCheck;
import dev.weft.agent.backend.ProgrammedPeers;
import dev.weft.agent.os.Errno;
import dev.weft.agent.os.Link;
import dev.weft.agent.os.LinkAddress;
import dev.weft.agent.os.MacAddress;
import dev.weft.agent.os.NativeException;
import dev.weft.agent.os.NetlinkException;
import dev.weft.agent.os.Route;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.os.VxlanParams;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import java.net.Inet4Address;
import java.util.Arrays;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Flannel's vxlan backend on the kernel's VXLAN device {@code flannel.<VNI>} (flannel-compat §5).
 * The kernel carries every packet; the agent only programs, per peer, a neighbour, an FDB entry and
 * a route, and checks every second that the device is still there and as configured (recreating it
 * and programming every peer again if not).
 */
public final class VxlanBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(VxlanBackend.class);
    /** Outer Ethernet 14 + IPv4 20 + UDP 8 + VXLAN 8. */
    public static final int ENCAPSULATION_OVERHEAD = 50;
    static final long CHECK_INTERVAL_MS = 1000;

    private final VxlanConfig config;
    private final Cidr network;
    private final ExternalInterface external;
    private final RouteNetlink netlink;
    private final String deviceName;
    private final MacAddress mac;
    private final VxlanParams params;
    private final int mtu;
    private final ProgrammedPeers<VxlanPeer> peers = new ProgrammedPeers<>("vxlan");
    private PeriodicCheck checker;
    private Lease own;
    private int deviceIndex;
    private boolean closed;

    private VxlanBackend(VxlanConfig config, Cidr network, ExternalInterface external, RouteNetlink netlink) {
        this.config = config;
        this.network = network;
        this.external = external;
        this.netlink = netlink;
        this.deviceName = "flannel." + config.vni();
        this.mac = VtepMac.derive(external.publicIp(), config.vni());
        this.params = new VxlanParams(config.vni(), external.publicIp(), external.index(), config.effectivePort(),
            config.learning(), config.gbp());
        this.mtu = (config.mtu() == 0 ? external.mtu() : config.mtu()) - ENCAPSULATION_OVERHEAD;
    }

    public static VxlanBackend create(NetworkConfig config, ExternalInterface external, BackendContext context) {
        return create(config, external, context.netlink());
    }

    static VxlanBackend create(NetworkConfig config, ExternalInterface external, RouteNetlink netlink) {
        return new VxlanBackend(VxlanConfig.of(config), config.network(), external, netlink);
    }

    @Override
    public LeaseAttrs leaseAttrs(ExternalInterface ext) {
        return new LeaseAttrs(ext.publicIp(), null, "vxlan", new VxlanBackendData(config.vni(), mac).toJson(), null);
    }

    @Override
    public synchronized int start(Lease ownLease) throws Exception {
        this.own = ownLease;
        ensureDevice();
        ensureAddress();
        if (checker == null) {
            checker = PeriodicCheck.start("weft-vxlan-check", CHECK_INTERVAL_MS, this::check);
        }
        program();
        return mtu;
    }

    /** Creates the device, or reuses one with exactly our parameters and MAC; anything else is replaced. */
    private void ensureDevice() throws NativeException {
        Optional<Link> existing = netlink.linkByName(deviceName);
        if (existing.isPresent()) {
            Link link = existing.get();
            Optional<VxlanParams> have = netlink.vxlanParams(link.index());
            if (have.equals(Optional.of(params)) && Arrays.equals(link.hardwareAddress(), mac.bytes())) {
                deviceIndex = link.index();
                if (link.mtu() != mtu) {
                    netlink.setMtu(deviceIndex, mtu);
                }
                netlink.setLinkUp(deviceIndex);
                LOG.infof("reusing %s (%s, mac %s)", deviceName, params, mac);
                return;
            }
            LOG.warnf("replacing %s: it is %s mac %s, we need %s mac %s", deviceName,
                have.map(Object::toString).orElse("not a VXLAN device (" + link.kind() + ")"),
                MacAddress.of(link.hardwareAddress().length == 6 ? link.hardwareAddress() : new byte[6]), params, mac);
            netlink.deleteLink(link.index());
        }
        deviceIndex = netlink.addVxlan(deviceName, params, mtu, mac);
        netlink.setLinkUp(deviceIndex);
        peers.forgetAll(); // whatever was programmed went with the old device
        LOG.infof("created %s: %s, mtu %d, mac %s", deviceName, params, mtu, mac);
    }

    /** The device holds our subnet's network address as /32; other addresses inside the network go. */
    private void ensureAddress() throws NativeException {
        Inet4Address ip = (Inet4Address) own.subnet().ipv4().address();
        boolean present = false;
        for (LinkAddress a : netlink.addresses(deviceIndex)) {
            if (!a.isIpv4()) {
                continue;
            }
            if (a.address().equals(ip) && a.prefixLength() == 32) {
                present = true;
            } else if (network.contains(a.address())) {
                LOG.infof("removing stale address %s from %s", a, deviceName);
                netlink.deleteAddress(deviceIndex, a.address(), a.prefixLength());
            }
        }
        if (!present) {
            netlink.addAddress(deviceIndex, ip, 32);
        }
    }

    @Override
    public synchronized void setPeers(Collection<Lease> leases) {
        peers.clearDesired();
        for (Lease lease : leases) {
            if (!peers.isOfType(lease, "vxlan")) {
                continue;
            }
            SubnetKey key = lease.subnet();
            VxlanBackendData data;
            try {
                data = VxlanBackendData.parse(lease.attrs().backendData());
            } catch (IllegalArgumentException e) {
                peers.ignore(key, e.getMessage());
                continue;
            }
            Inet4Address publicIp = lease.attrs().publicIp();
            peers.want(key, new VxlanPeer(key.ipv4(), publicIp, data.vtepMac(), config.directRouting() && onSameL2(publicIp)));
        }
        if (own != null && !closed) {
            program();
        }
    }

    /** DirectRouting: the kernel reaches the peer's public IP without a gateway. */
    private boolean onSameL2(Inet4Address publicIp) {
        try {
            Route route = netlink.routeTo(publicIp);
            return route.gateway() == null && route.linkIndex() == external.index();
        } catch (NativeException e) {
            return false;
        }
    }

    /** Brings what is programmed to what is desired; a peer that fails is retried on the next check. */
    private void program() {
        peers.apply(kernel);
    }

    /** The kernel side: a neighbour, an FDB entry and an onlink route per peer (or a direct route). */
    private final ProgrammedPeers.Programmer<VxlanPeer> kernel = new ProgrammedPeers.Programmer<>() {
        @Override
        public void add(VxlanPeer peer) throws Exception {
            VxlanBackend.this.add(peer);
            LOG.infof("peer %s programmed", peer);
        }

        @Override
        public void remove(VxlanPeer peer) {
            VxlanBackend.this.remove(peer);
        }
    };

    private void add(VxlanPeer peer) throws NativeException {
        if (peer.direct()) {
            netlink.replaceRoute(Route.via(peer.subnet(), peer.publicIp(), external.index()));
            return;
        }
        netlink.replaceNeighbour(deviceIndex, peer.vtepIp(), peer.vtepMac());
        try {
            netlink.replaceFdb(deviceIndex, peer.vtepMac(), peer.publicIp());
            try {
                netlink.replaceRoute(Route.via(peer.subnet(), peer.vtepIp(), deviceIndex).withOnLink());
            } catch (NativeException e) {
                quietly(() -> netlink.deleteFdb(deviceIndex, peer.vtepMac(), peer.publicIp()));
                throw e;
            }
        } catch (NativeException e) {
            quietly(() -> netlink.deleteNeighbour(deviceIndex, peer.vtepIp()));
            throw e;
        }
    }

    private void remove(VxlanPeer peer) {
        LOG.infof("peer %s removed", peer);
        if (peer.direct()) {
            quietly(() -> netlink.deleteRoute(Route.via(peer.subnet(), peer.publicIp(), external.index())));
            return;
        }
        quietly(() -> netlink.deleteRoute(Route.via(peer.subnet(), peer.vtepIp(), deviceIndex).withOnLink()));
        quietly(() -> netlink.deleteFdb(deviceIndex, peer.vtepMac(), peer.publicIp()));
        quietly(() -> netlink.deleteNeighbour(deviceIndex, peer.vtepIp()));
    }

    private interface NetlinkCall {
        void run() throws NativeException;
    }

    /** Best effort: what is gone already is fine, anything else is logged. */
    private void quietly(NetlinkCall call) {
        try {
            call.run();
        } catch (NetlinkException e) {
            if (e.errno() != Errno.ENOENT && e.errno() != Errno.ESRCH && e.errno() != Errno.ENODEV) {
                LOG.warnf("cleanup: %s", e.getMessage());
            }
        } catch (NativeException e) {
            LOG.warnf("cleanup: %s", e.getMessage());
        }
    }

    /** Every second: the device must exist as configured; failed peers are retried. */
    private synchronized void check() {
        if (closed || own == null) {
            return;
        }
        try {
            Optional<Link> link = netlink.linkByName(deviceName);
            boolean intact = link.isPresent() && link.get().index() == deviceIndex
                && netlink.vxlanParams(deviceIndex).equals(Optional.of(params));
            if (!intact) {
                LOG.warnf("%s was deleted or changed under the agent; recreating it and programming %d peer(s) again",
                    deviceName, peers.desiredCount());
                peers.forgetAll();
                ensureDevice();
                ensureAddress();
            } else if (!link.get().isUp()) {
                netlink.setLinkUp(deviceIndex);
            }
            program();
        } catch (Exception e) {
            LOG.errorf("checking %s failed: %s", deviceName, e.getMessage());
        }
    }

    /** Stops checking. The device, neighbours and routes stay, as with flanneld: pods keep talking. */
    @Override
    public synchronized void close() {
        closed = true;
        if (checker != null) {
            checker.close();
        }
    }

    @Override
    public String toString() {
        return "vxlan " + deviceName + " " + IpAddresses.format(external.publicIp()) + " " + Objects.toString(own);
    }
}
