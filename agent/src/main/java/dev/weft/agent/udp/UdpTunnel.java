package dev.weft.agent.udp;

import dev.weft.agent.os.TunDevice;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Moves packets between the TUN device and the UDP socket in Flannel's wire format: every datagram
 * carries exactly one whole IP packet. TUN → UDP runs on its own thread (a blocking TUN read);
 * UDP → TUN runs on the Netty epoll event loop (recvmmsg batches). Peers and the local subnet are
 * swapped in atomically; the data path never waits for the lease store.
 */
final class UdpTunnel implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(UdpTunnel.class);
    /** 4 MiB asked gives 8 MiB in the kernel: a saturated link does not overflow it (Flannel's 208 KiB loses ~8 %). */
    static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** Packets taken from TUN per read call at most (what is queued, never waiting for more). */
    private static final int BURST = 64;

    private final TunDevice tun;
    private final DataPathStats stats;
    private final int maxPacket;
    private final ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    private final ByteBuffer icmpOut = ByteBuffer.allocateDirect(Ipv4Header.MIN_LENGTH + 8 + 60 + 8);
    private volatile PeerTable peers;
    private volatile LocalSubnet local;
    private EpollEventLoopGroup group;
    private Channel channel;
    private Thread tunReader;
    private volatile boolean running;

    /** This host's subnet as ints for the per-packet check, and the TUN address ICMP replies come from. */
    record LocalSubnet(int network, int mask, int tunAddress) {
        boolean contains(int address) {
            return (address & mask) == network;
        }
    }

    UdpTunnel(TunDevice tun, int maxPacket, PeerTable peers, LocalSubnet local, DataPathStats stats) {
        this.tun = tun;
        this.maxPacket = maxPacket;
        this.peers = peers;
        this.local = local;
        this.stats = stats;
    }

    void setPeers(PeerTable table) {
        this.peers = table;
    }

    void setLocalSubnet(LocalSubnet subnet) {
        this.local = subnet;
    }

    /** Binds the UDP socket and starts both directions. */
    void start(InetSocketAddress bindAddress) throws InterruptedException {
        group = new EpollEventLoopGroup(1, (ThreadFactory) r -> new Thread(r, "weft-udp-rx"));
        // recvmmsg: Netty splits one large receive buffer into datagrams of at most this size.
        int maxDatagram = Math.max(maxPacket, 1500);
        channel = new Bootstrap()
            .group(group)
            .channel(EpollDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
            .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
            .option(ChannelOption.SO_REUSEADDR, true)
            .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, maxDatagram)
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(maxDatagram * 32))
            .handler(new Ingress())
            .bind(bindAddress).sync().channel();
        running = true;
        tunReader = new Thread(this::egressLoop, "weft-tun-rx");
        tunReader.setDaemon(true);
        tunReader.start();
        LOG.infof("UDP tunnel: %s <-> udp %s (receive buffer %d bytes)", tun.name(), bindAddress,
            channel.config().getOption(ChannelOption.SO_RCVBUF));
    }

    /**
     * TUN → UDP: read a burst of packets, route each (peer by masking, TTL), and hand the burst to
     * the event loop as one task that writes them all and flushes once (sendmmsg).
     */
    private void egressLoop() {
        ByteBuf[] bufs = new ByteBuf[BURST];
        ByteBuffer[] views = new ByteBuffer[BURST];
        int[] lengths = new int[BURST];
        while (running) {
            for (int i = 0; i < BURST; i++) {
                if (bufs[i] == null) {
                    bufs[i] = allocator.directBuffer(maxPacket, maxPacket);
                    views[i] = bufs[i].nioBuffer(0, maxPacket);
                }
                views[i].clear();
            }
            int count;
            try {
                count = tun.readBatch(views, lengths);
            } catch (IOException e) {
                if (running) {
                    LOG.errorf(e, "reading %s failed; the tunnel stops sending", tun.name());
                }
                break;
            }
            if (count < 0) {
                break;
            }
            DatagramPacket[] burst = new DatagramPacket[count];
            int sending = 0;
            for (int i = 0; i < count; i++) {
                ByteBuf buf = bufs[i];
                buf.writerIndex(lengths[i]);
                Peer peer = route(buf, lengths[i]);
                if (peer != null) {
                    burst[sending++] = new DatagramPacket(buf, peer.endpoint());
                    stats.sent(lengths[i]);
                    bufs[i] = null; // Netty releases it once sent
                }
            }
            if (sending > 0) {
                int n = sending;
                channel.eventLoop().execute(() -> {
                    for (int i = 0; i < n; i++) {
                        channel.write(burst[i], channel.voidPromise());
                    }
                    channel.flush();
                });
            }
        }
        for (ByteBuf buf : bufs) {
            if (buf != null) {
                buf.release();
            }
        }
    }

    /** Checks an outgoing packet and picks its peer; null when it is dropped (counted). */
    private Peer route(ByteBuf buf, int length) {
        ByteBuffer packet = buf.nioBuffer(0, length);
        if (length < 1) {
            stats.dropped(DropReason.MALFORMED);
            return null;
        }
        int version = Ipv4Header.version(packet, 0);
        if (version == 6) {
            stats.dropped(DropReason.UNSUPPORTED_FAMILY);
            return null;
        }
        if (!Ipv4Header.isValid(packet, 0, length)) {
            stats.dropped(DropReason.MALFORMED);
            return null;
        }
        Peer peer = peers.lookup(Ipv4Header.destination(packet, 0));
        if (peer == null) {
            stats.dropped(DropReason.NO_PEER);
            replyNetUnreachable(packet);
            return null;
        }
        if (!Ipv4Header.decrementTtl(packet, 0)) {
            stats.dropped(DropReason.TTL_EXPIRED);
            return null;
        }
        return peer;
    }

    /** Tells the sender its destination has no peer, as a router would; never for ICMP or later fragments. */
    private void replyNetUnreachable(ByteBuffer packet) {
        if (Ipv4Header.protocol(packet, 0) == Ipv4Header.PROTO_ICMP || !Ipv4Header.isFirstFragment(packet, 0)) {
            return;
        }
        int length = Ipv4Header.writeNetUnreachable(packet, 0, local.tunAddress(), icmpOut);
        try {
            tun.write(icmpOut.clear().limit(length));
        } catch (IOException e) {
            stats.dropped(DropReason.TUN_WRITE_FAILED);
        }
    }

    /** UDP → TUN: only from a leased peer, only for our subnet. */
    private final class Ingress extends SimpleChannelInboundHandler<DatagramPacket> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket datagram) {
            ByteBuf content = datagram.content();
            int length = content.readableBytes();
            if (!(datagram.sender().getAddress() instanceof Inet4Address sender)
                    || !peers.isPeerAddress(dev.weft.core.net.IpAddresses.toInt(sender))) {
                stats.dropped(DropReason.UNKNOWN_SENDER);
                return;
            }
            ByteBuffer packet = content.nioBuffer(content.readerIndex(), length);
            if (length < 1 || Ipv4Header.version(packet, 0) != 4 || !Ipv4Header.isValid(packet, 0, length)) {
                stats.dropped(length >= 1 && Ipv4Header.version(packet, 0) == 6 ? DropReason.UNSUPPORTED_FAMILY : DropReason.MALFORMED);
                return;
            }
            if (!local.contains(Ipv4Header.destination(packet, 0))) {
                stats.dropped(DropReason.NOT_LOCAL_SUBNET);
                return;
            }
            if (!Ipv4Header.decrementTtl(packet, 0)) {
                stats.dropped(DropReason.TTL_EXPIRED);
                return;
            }
            try {
                tun.write(packet);
                stats.received(length);
            } catch (IOException e) {
                stats.dropped(DropReason.TUN_WRITE_FAILED);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // A send error (e.g. ICMP port unreachable surfaced on the socket) must not close the channel.
            stats.dropped(DropReason.SEND_FAILED);
            LOG.debugf(cause, "UDP socket error");
        }
    }

    /** Stops both directions and closes the socket; the TUN device is closed by its owner. */
    @Override
    public void close() {
        running = false;
        if (channel != null) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    /** Waits for the TUN reader to stop after the device was closed. */
    void awaitStopped() throws InterruptedException {
        if (tunReader != null) {
            tunReader.join(3000);
        }
    }
}
