package dev.weft.agent.udp;

import dev.weft.agent.backend.Backend;
import dev.weft.agent.backend.BackendContext;
import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.os.TunDevice;
import dev.weft.agent.os.UdpSocket;
import dev.weft.core.config.InvalidConfigException;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Flannel's UDP backend: TUN {@code flannel0} holding the local subnet's network address with the
 * whole network's prefix (so the kernel's connected route sends the overlay into it), and a UDP
 * socket on Backend.Port (8285) that carries one raw IP packet per datagram to the peer's public IP.
 */
public final class UdpBackend implements Backend {
    private static final Logger LOG = Logger.getLogger(UdpBackend.class);
    public static final int DEFAULT_PORT = 8285;
    /** Outer IPv4 (20) + UDP (8) headers. */
    public static final int ENCAPSULATION_OVERHEAD = 28;
    static final int TX_QUEUE_LENGTH = 2000;
    /**
     * 16 MiB asked gives 32 MiB in the kernel: with GRO a receive thread that loses its CPU for tens
     * of milliseconds does not overflow it (Flannel's 208 KiB loses ~8 % of datagrams under load).
     */
    static final int SOCKET_BUFFER_BYTES = 16 << 20;

    private final NetworkConfig config;
    private final ExternalInterface external;
    private final RouteNetlink netlink;
    private final DataPathStats stats;
    private final int port;
    private final boolean offloads;
    private TunDevice tun;
    private int tunIndex;
    private Cidr tunAddress;
    private UdpTunnel tunnel;
    /** The latest peers, kept so that peers set before start() are not lost. */
    private volatile PeerTable peers;

    private UdpBackend(NetworkConfig config, ExternalInterface external, BackendContext context, int port) {
        this.config = config;
        this.external = external;
        this.netlink = context.netlink();
        this.stats = context.udpStats();
        this.port = port;
        this.offloads = context.udpOffloads();
        this.peers = PeerTable.empty(config.subnetLen());
    }

    public static UdpBackend create(NetworkConfig config, ExternalInterface external, BackendContext context) {
        return new UdpBackend(config, external, context, port(config));
    }

    /** Backend.Port, 8285 when absent; anything else than a port number is a config error. */
    static int port(NetworkConfig config) {
        Object value = config.backendValue("Port");
        if (value == null) {
            return DEFAULT_PORT;
        }
        if (!(value instanceof Integer p) || p < 0 || p > 65535) {
            throw new InvalidConfigException("Backend.Port", "expected a port number 1..65535, got " + value);
        }
        return p == 0 ? DEFAULT_PORT : p;
    }

    @Override
    public LeaseAttrs leaseAttrs(ExternalInterface ext) {
        // Flannel's UDP backend publishes only its PublicIP: {"PublicIP":"…","PublicIPv6":null}.
        return new LeaseAttrs(ext.publicIp(), null, null, null, null);
    }

    @Override
    public synchronized int start(Lease ownLease) throws Exception {
        int mtu = external.mtu() - ENCAPSULATION_OVERHEAD;
        Cidr address = Cidr.of(ownLease.subnet().ipv4().address(), config.network().prefixLength());
        // Cidr masks host bits; keep the subnet's own network address with the network's prefix.
        Inet4Address tunIp = (Inet4Address) ownLease.subnet().ipv4().address();
        UdpTunnel.LocalSubnet local = localSubnet(ownLease.subnet().ipv4(), tunIp);
        if (tun == null) {
            // TSO4/6 and USO4/6 with checksum offload; kernels before 6.2 refuse USO, older ones
            // TSO_ECN, the oldest all but checksum offload: the first set accepted wins.
            tun = offloads
                ? TunDevice.openWithOffloads("flannel%d",
                    TunDevice.TUN_F_CSUM | TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6 | TunDevice.TUN_F_TSO_ECN
                        | TunDevice.TUN_F_USO4 | TunDevice.TUN_F_USO6,
                    TunDevice.TUN_F_CSUM | TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6 | TunDevice.TUN_F_TSO_ECN,
                    TunDevice.TUN_F_CSUM | TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6,
                    TunDevice.TUN_F_CSUM)
                : TunDevice.open("flannel%d");
            tunIndex = netlink.linkByName(tun.name()).orElseThrow(() -> new IllegalStateException("TUN device " + tun.name() + " vanished")).index();
            netlink.setMtu(tunIndex, mtu);
            // TUN's default queue of 500 overflows while the reader catches up with a burst.
            netlink.setTxQueueLength(tunIndex, TX_QUEUE_LENGTH);
            netlink.addAddress(tunIndex, tunIp, address.prefixLength());
            netlink.setLinkUp(tunIndex);
            tunAddress = Cidr.of(tunIp, address.prefixLength());
            UdpSocket socket = UdpSocket.bind(external.interfaceAddr(), port, SOCKET_BUFFER_BYTES);
            boolean gro = offloads && socket.enableGro();
            boolean gso = offloads && socket.supportsGso();
            tunnel = new UdpTunnel(tun, socket, gso, port, peers, local, stats);
            tunnel.start();
            LOG.infof("UDP backend up: %s %s/%d mtu %d, udp %s:%d, receive buffer %d bytes", tun.name(),
                IpAddresses.format(tunIp), address.prefixLength(), mtu, external.interfaceAddr().getHostAddress(), port,
                socket.receiveBufferBytes());
            LOG.infof("UDP fast path: TUN offloads %s, UDP GSO %s, UDP GRO %s%s", describeOffloads(tun.offloads()),
                gso ? "on" : "off", gro ? "on" : "off", offloads ? "" : " (--udp-offloads=false: one packet per syscall)");
        } else if (!tunAddress.address().equals(tunIp)) {
            // A new subnet after losing the old one: move the address, keep the device and socket.
            netlink.addAddress(tunIndex, tunIp, address.prefixLength());
            netlink.deleteAddress(tunIndex, (Inet4Address) tunAddress.address(), tunAddress.prefixLength());
            tunAddress = Cidr.of(tunIp, address.prefixLength());
            tunnel.setLocalSubnet(local);
            LOG.infof("UDP backend moved to subnet %s", ownLease.subnet());
        }
        return mtu;
    }

    private static String describeOffloads(int flags) {
        if (flags == 0) {
            return "off";
        }
        StringBuilder out = new StringBuilder();
        if ((flags & TunDevice.TUN_F_CSUM) != 0) {
            out.append("csum ");
        }
        if ((flags & TunDevice.TUN_F_TSO4) != 0) {
            out.append("tso4 ");
        }
        if ((flags & TunDevice.TUN_F_TSO6) != 0) {
            out.append("tso6 ");
        }
        if ((flags & TunDevice.TUN_F_TSO_ECN) != 0) {
            out.append("tso-ecn ");
        }
        if ((flags & TunDevice.TUN_F_USO4) != 0) {
            out.append("uso4 ");
        }
        if ((flags & TunDevice.TUN_F_USO6) != 0) {
            out.append("uso6 ");
        }
        return out.toString().strip();
    }

    private static UdpTunnel.LocalSubnet localSubnet(Cidr subnet, Inet4Address tunIp) {
        int mask = subnet.prefixLength() == 0 ? 0 : -1 << (32 - subnet.prefixLength());
        return new UdpTunnel.LocalSubnet(IpAddresses.toInt((Inet4Address) subnet.address()), mask, IpAddresses.toInt(tunIp));
    }

    @Override
    public void setPeers(Collection<Lease> leases) {
        List<Peer> udpPeers = new ArrayList<>();
        for (Lease lease : leases) {
            String type = lease.attrs().backendType();
            if (type != null && !type.isEmpty() && !type.equals("udp")) {
                LOG.debugf("ignoring lease %s of backend type %s", lease.subnet(), type);
                continue;
            }
            // Flannel sends to the peer's PublicIP on our own port: all hosts of a network share Backend.Port.
            Inet4Address ip = lease.attrs().publicIp();
            udpPeers.add(Peer.of(lease.subnet().ipv4(), ip));
        }
        PeerTable table = PeerTable.of(config.subnetLen(), udpPeers);
        this.peers = table;
        synchronized (this) {
            if (tunnel != null) {
                tunnel.setPeers(table);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (tunnel != null) {
            tunnel.close(); // stops its thread before any descriptor closes
        }
        if (tun != null) {
            tun.close();
        }
    }
}
