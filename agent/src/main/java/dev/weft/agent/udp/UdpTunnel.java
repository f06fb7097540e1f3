package dev.weft.agent.udp;

import dev.weft.agent.offload.SegmentResult;
import dev.weft.agent.offload.Segments;
import dev.weft.agent.offload.TcpCoalescer;
import dev.weft.agent.offload.GsoSegmenter;
import dev.weft.agent.offload.VirtioNetHeader;
import dev.weft.agent.os.DataPathPoller;
import dev.weft.agent.os.NativeException;
import dev.weft.agent.os.TunDevice;
import dev.weft.agent.os.UdpSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jboss.logging.Logger;

/**
 * Moves packets between the TUN device and the UDP socket in Flannel's wire format: every datagram
 * carries exactly one whole IP packet. One thread moves both directions (see {@link DataPathPoller}
 * for why), with preallocated, pinned buffers per direction, so the hot path allocates nothing and
 * takes no lock: peers and the local subnet are immutable snapshots swapped through volatile fields.
 *
 * <p>The fast path, when the kernel offers it: TUN hands over TCP super-packets (TSO), which are
 * split in Java and sent with one UDP GSO sendmsg per 64 segments; the socket returns many
 * datagrams per receive (GRO), whose in-order TCP segments are merged into one TUN write. The
 * wire stays one packet per datagram, so fast-path, one-packet and flanneld hosts interoperate.
 * Without offloads the same loops move one packet per syscall.
 */
final class UdpTunnel implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(UdpTunnel.class);
    /** Room for the largest datagram GRO can hand over, or a TUN super-packet with its header. */
    static final int BUFFER_BYTES = 1 << 17;
    /** Reads from one side before the other gets its turn. */
    private static final int READS_PER_TURN = 8;

    private final TunDevice tun;
    private final UdpSocket socket;
    private final boolean gso;
    private final int port;
    private final DataPathStats stats;
    /** An ICMP reply, behind room for the virtio header that an offload TUN needs on every write. */
    private final ByteBuffer icmpOut = ByteBuffer.allocateDirect(VirtioNetHeader.LENGTH + Ipv4Header.MIN_LENGTH + 8 + 60 + 8);
    private volatile PeerTable peers;
    private volatile LocalSubnet local;
    private DataPathPoller poller;
    private Thread thread;
    private volatile boolean running;

    /** This host's subnet as ints for the per-packet check, and the TUN address ICMP replies come from. */
    record LocalSubnet(int network, int mask, int tunAddress) {
        boolean contains(int address) {
            return (address & mask) == network;
        }
    }

    UdpTunnel(TunDevice tun, UdpSocket socket, boolean gso, int port, PeerTable peers, LocalSubnet local,
              DataPathStats stats) {
        this.tun = tun;
        this.socket = socket;
        this.gso = gso;
        this.port = port;
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

    void start() throws NativeException {
        poller = DataPathPoller.of(tun, socket);
        running = true;
        thread = new Thread(this::run, "weft-udp-tunnel");
        thread.setDaemon(true);
        thread.start();
        stats.dataPathThread(thread);
    }

    /**
     * The data path: one thread for both directions (see {@link DataPathPoller} for why). Each turn
     * drains up to {@value #READS_PER_TURN} reads from each side, so a flood one way cannot starve
     * the other; it sleeps only when both sides had nothing.
     */
    private void run() {
        Egress egress = new Egress();
        Ingress ingress = new Ingress();
        try {
            while (running) {
                int tunReads;
                int socketReads;
                try {
                    tunReads = egress.drain();
                    socketReads = ingress.drain();
                } catch (RuntimeException e) {
                    // A bug must cost the packet at hand, not the host's whole overlay.
                    stats.dropped(DropReason.INTERNAL_ERROR);
                    LOG.errorf(e, "bug in the UDP data path: a packet was dropped; forwarding goes on");
                    ingress.reset();
                    continue;
                }
                if (tunReads < 0 || socketReads < 0) {
                    return; // closed under us
                }
                if (tunReads == 0 && socketReads == 0) {
                    poller.await();
                }
            }
        } catch (IOException e) {
            if (running) {
                LOG.errorf(e, "the UDP tunnel between %s and port %d stopped", tun.name(), port);
            }
        }
    }

    // ---- TUN → UDP

    /** The TUN → UDP direction's buffers and state, owned by the data-path thread. */
    private final class Egress {
        final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.BIG_ENDIAN);
        final ByteBuffer out = ByteBuffer.allocateDirect(2 * BUFFER_BYTES).order(ByteOrder.BIG_ENDIAN);
        final GsoSegmenter segmenter = new GsoSegmenter();
        final Segments segments = new Segments();
        final boolean virtio = tun.hasVirtioHeader();

        /** Reads and sends what TUN holds, up to a turn's worth; returns the reads, or -1 once closed. */
        int drain() throws IOException {
            for (int reads = 0; reads < READS_PER_TURN; reads++) {
                in.clear();
                int length = tun.readNow(in);
                if (length <= 0) {
                    return length < 0 ? -1 : reads;
                }
                try {
                    if (virtio) {
                        sendFromVirtio(in, length, out, segmenter, segments);
                    } else {
                        sendPacket(in, 0, length);
                    }
                } catch (IOException e) {
                    stats.dropped(DropReason.SEND_FAILED);
                    LOG.debugf(e, "send failed");
                }
            }
            return READS_PER_TURN;
        }
    }

    /** Sends one packet read from TUN as one datagram to its peer. */
    private void sendPacket(ByteBuffer buf, int off, int length) throws IOException {
        Peer peer = route(buf, off, length);
        if (peer != null) {
            send(buf, off, length, peer, 0, 1);
        }
    }

    /**
     * One read from an offload TUN: a virtio header and a packet that may be a TCP super-packet or
     * carry a partial checksum. Routed once (all its segments share the destination), then split
     * into whole packets and sent, 64 segments per GSO sendmsg.
     */
    private void sendFromVirtio(ByteBuffer in, int length, ByteBuffer out, GsoSegmenter segmenter, Segments segments)
            throws IOException {
        Peer peer = route(in, VirtioNetHeader.LENGTH, length - VirtioNetHeader.LENGTH);
        if (peer == null) {
            return;
        }
        SegmentResult result = segmenter.segment(in, 0, length, out, 0, segments);
        if (!result.ok()) {
            stats.dropped(DropReason.MALFORMED);
            LOG.debugf("dropped a TUN read: %s", result);
            return;
        }
        ByteBuffer buf = segments.buffer();
        int count = segments.count();
        int group = gso ? segments.segmentsPerSend() : 1;
        for (int i = 0; i < count; i += group) {
            int end = Math.min(i + group, count);
            int from = segments.offset(i);
            int to = end == count ? segments.endOffset() : segments.offset(end);
            send(buf, from, to - from, peer, end - i > 1 ? segments.segmentLength() : 0, end - i);
        }
    }

    /** One sendmsg: {@code packets} whole packets, split by the kernel at {@code segmentSize} when above 0. */
    private void send(ByteBuffer buf, int off, int length, Peer peer, int segmentSize, int packets) throws IOException {
        if (socket.send(buf, off, length, peer.publicIpInt(), port, segmentSize)) {
            stats.sent(packets, length);
        } else {
            for (int i = 0; i < packets; i++) {
                stats.dropped(DropReason.SEND_FAILED);
            }
        }
    }

    /** Checks an outgoing packet, picks its peer and decrements the TTL; null when dropped (counted). */
    private Peer route(ByteBuffer packet, int off, int length) {
        if (length < 1) {
            stats.dropped(DropReason.MALFORMED);
            return null;
        }
        if (Ipv4Header.version(packet, off) == 6) {
            stats.dropped(DropReason.UNSUPPORTED_FAMILY);
            return null;
        }
        if (!Ipv4Header.isValid(packet, off, length)) {
            stats.dropped(DropReason.MALFORMED);
            return null;
        }
        Peer peer = peers.lookup(Ipv4Header.destination(packet, off));
        if (peer == null) {
            stats.dropped(DropReason.NO_PEER);
            replyNetUnreachable(packet, off);
            return null;
        }
        if (!Ipv4Header.decrementTtl(packet, off)) {
            stats.dropped(DropReason.TTL_EXPIRED);
            return null;
        }
        return peer;
    }

    /** Tells the sender its destination has no peer, as a router would; never for ICMP or later fragments. */
    private void replyNetUnreachable(ByteBuffer packet, int off) {
        if (Ipv4Header.protocol(packet, off) == Ipv4Header.PROTO_ICMP || !Ipv4Header.isFirstFragment(packet, off)) {
            return;
        }
        int header = tun.hasVirtioHeader() ? VirtioNetHeader.LENGTH : 0;
        int length = Ipv4Header.writeNetUnreachable(packet, off, local.tunAddress(), icmpOut, header);
        try {
            tun.write(icmpOut.clear().limit(header + length)); // header bytes stay zero: a plain packet
        } catch (IOException e) {
            stats.dropped(DropReason.TUN_WRITE_FAILED);
        }
    }

    // ---- UDP → TUN

    /** The UDP → TUN direction's buffers and state, owned by the data-path thread. */
    private final class Ingress {
        final ByteBuffer in = ByteBuffer.allocateDirect(BUFFER_BYTES).order(ByteOrder.BIG_ENDIAN);
        final UdpSocket.Received from = new UdpSocket.Received();
        final TcpCoalescer coalescer = tun.hasVirtioHeader() ? new TcpCoalescer(UdpTunnel.this::writeToTun) : null;

        /** Receives and delivers what the socket holds, up to a turn's worth; returns the receives, or -1 once closed. */
        int drain() throws IOException {
            for (int receives = 0; receives < READS_PER_TURN; receives++) {
                int length = socket.receiveNow(in, 0, BUFFER_BYTES, from);
                if (length == UdpSocket.NOTHING_QUEUED) {
                    return receives;
                }
                if (length < 0) {
                    return -1;
                }
                deliver(length);
            }
            return READS_PER_TURN;
        }

        /** Forgets half-merged runs, whose state a failed packet may have left inconsistent. */
        void reset() {
            if (coalescer != null) {
                coalescer.reset();
            }
        }

        private void deliver(int length) {
            boolean knownSender = peers.isPeerAddress(from.sourceIp());
            if (length == 0) { // an empty datagram holds no packet
                stats.dropped(knownSender ? DropReason.MALFORMED : DropReason.UNKNOWN_SENDER);
                return;
            }
            // With GRO one receive holds several datagrams of one sender, each segmentSize long but the last.
            int step = from.segmentSize() > 0 ? from.segmentSize() : length;
            for (int off = 0; off < length; off += step) {
                int datagram = Math.min(step, length - off);
                if (!knownSender) {
                    stats.dropped(DropReason.UNKNOWN_SENDER);
                    continue;
                }
                int packet = checkIncoming(in, off, datagram);
                if (packet < 0) {
                    continue;
                }
                stats.received(packet);
                if (coalescer != null) {
                    coalescer.add(in, off, packet);
                } else {
                    writeToTun(in, off, packet);
                }
            }
            if (coalescer != null) {
                coalescer.flush();
            }
        }
    }

    /** Checks one packet from a peer and decrements its TTL; returns its IP length, or -1 when dropped (counted). */
    private int checkIncoming(ByteBuffer buf, int off, int length) {
        if (length < 1 || Ipv4Header.version(buf, off) != 4 || !Ipv4Header.isValid(buf, off, length)) {
            stats.dropped(length >= 1 && Ipv4Header.version(buf, off) == 6 ? DropReason.UNSUPPORTED_FAMILY : DropReason.MALFORMED);
            return -1;
        }
        if (!local.contains(Ipv4Header.destination(buf, off))) {
            stats.dropped(DropReason.NOT_LOCAL_SUBNET);
            return -1;
        }
        if (!Ipv4Header.decrementTtl(buf, off)) {
            stats.dropped(DropReason.TTL_EXPIRED);
            return -1;
        }
        // Trailing bytes past the IP total length are not part of the packet.
        return Ipv4Header.totalLength(buf, off);
    }

    /** One TUN write of what lies at {@code off} (with its virtio header on an offload TUN). */
    private void writeToTun(ByteBuffer buf, int off, int length) {
        try {
            tun.write(buf.limit(off + length).position(off));
        } catch (IOException e) {
            stats.dropped(DropReason.TUN_WRITE_FAILED);
        } finally {
            buf.clear();
        }
    }

    /**
     * Stops the data path and closes the socket: wakes the thread, waits for it to leave (so no
     * descriptor is closed under a poll), then frees the socket and the poller. The TUN device is its
     * owner's to close afterwards.
     */
    @Override
    public void close() {
        running = false;
        if (poller != null) {
            poller.wake();
        }
        if (thread != null) {
            try {
                thread.join(3000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (thread.isAlive()) {
                LOG.errorf("the UDP tunnel thread did not stop within 3 s; closing its socket anyway");
            }
        }
        socket.close();
        if (poller != null && (thread == null || !thread.isAlive())) {
            poller.release();
        }
    }
}
