package dev.weft.agent.os;

import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * An IPv4 UDP socket driven by raw syscalls: sendmsg with an optional UDP_SEGMENT (GSO) control
 * message, recvmsg that reports the sender and the UDP_GRO segment size. Every native structure
 * (msghdr, iovec, sockaddr, control buffer) is preallocated and pinned here, so sending and
 * receiving allocate nothing. Neither ever blocks: a receiver sleeps in {@link DataPathPoller}.
 * One thread may send while another receives.
 *
 * <p>Why not Netty: the same wire format through Netty's epoll channel cost a task hand-off and
 * per-packet objects; raw sendmsg/recvmsg with GSO/GRO measured faster here (see README).
 */
public final class UdpSocket implements Closeable {
    /** What {@link #receiveNow} returns when no datagram is queued (0 is an empty datagram). */
    public static final int NOTHING_QUEUED = -2;
    private static final LibC C = LibC.INSTANCE;
    static final int SOL_UDP = 17;
    private static final int SO_SNDBUFFORCE = 32;
    private static final int SO_RCVBUFFORCE = 33;
    static final int UDP_SEGMENT = 103;
    static final int UDP_GRO = 104;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int MSGHDR_SIZE = 56;
    private static final int SOCKADDR_IN_SIZE = 16;
    /** CMSG_SPACE(sizeof(int)): a 16-byte cmsghdr plus the value, padded to 8. */
    private static final int CMSG_SPACE_INT = 24;

    private final int fd;
    private final ByteBuffer option = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    private final Sender sender = new Sender();
    private final Receiver receiver = new Receiver();
    private volatile boolean closed;
    private boolean groEnabled;

    private UdpSocket(int fd) {
        this.fd = fd;
    }

    /** A non-blocking UDP socket bound to {@code address:port} with both buffers asked for {@code bufferBytes}. */
    public static UdpSocket bind(Inet4Address address, int port, int bufferBytes) throws IOException {
        int fd = C.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC | LibC.O_NONBLOCK, 0);
        if (fd < 0) {
            throw NativeException.last("socket AF_INET SOCK_DGRAM");
        }
        UdpSocket socket = new UdpSocket(fd);
        try {
            // The FORCE variants (CAP_NET_ADMIN, which the agent has) may exceed net.core.rmem_max/wmem_max.
            socket.setBuffer(SO_RCVBUFFORCE, LibC.SO_RCVBUF, bufferBytes, "SO_RCVBUF");
            socket.setBuffer(SO_SNDBUFFORCE, LibC.SO_SNDBUF, bufferBytes, "SO_SNDBUF");
            ByteBuffer addr = ByteBuffer.allocateDirect(SOCKADDR_IN_SIZE);
            writeSockaddr(addr, toInt(address), port);
            if (C.bind(fd, LibC.address(addr), SOCKADDR_IN_SIZE) < 0) {
                throw NativeException.last("bind UDP " + address.getHostAddress() + ":" + port);
            }
        } catch (IOException e) {
            socket.close();
            throw e;
        }
        return socket;
    }

    /** Turns on UDP GRO receive; false when the kernel does not offer it (then one datagram per receive). */
    public boolean enableGro() {
        try {
            setInt(SOL_UDP, UDP_GRO, 1, "UDP_GRO");
            groEnabled = true;
        } catch (NativeException e) {
            groEnabled = false;
        }
        return groEnabled;
    }

    /**
     * Whether sendmsg accepts UDP_SEGMENT. Probed by setting the socket option to 0 (which means
     * "no segmentation"), which only kernels with UDP GSO know.
     */
    public boolean supportsGso() {
        try {
            setInt(SOL_UDP, UDP_SEGMENT, 0, "UDP_SEGMENT");
            return true;
        } catch (NativeException e) {
            return false;
        }
    }

    /**
     * Sends {@code length} bytes at {@code offset} of {@code buffer} (direct, pinned by the caller)
     * to {@code ip:port}. With {@code segmentSize > 0} the kernel splits them into datagrams of that
     * size (the last may be shorter): at most 64 segments and 65,507 bytes per call.
     * Returns false when the socket buffer is full (the datagrams are dropped, as a router would).
     */
    public boolean send(ByteBuffer buffer, int offset, int length, int ip, int port, int segmentSize) throws NativeException {
        return sender.send(buffer, offset, length, ip, port, segmentSize);
    }

    /**
     * Copies the queued datagrams to {@code buffer} at {@code offset} (at most {@code capacity}
     * bytes) and describes them in {@code into}; never blocks. With GRO, several datagrams of one
     * sender come back to back, each {@code into.segmentSize()} long but the last.
     *
     * @return the number of bytes received; {@link #NOTHING_QUEUED}; or -1 once the socket is closed
     */
    public int receiveNow(ByteBuffer buffer, int offset, int capacity, Received into) throws IOException {
        return receiver.receive(buffer, offset, capacity, into);
    }

    /** The descriptor, for {@link DataPathPoller}; valid until {@link #close()}. */
    int descriptor() {
        return fd;
    }

    /** Where the last datagrams came from and how GRO cut them. Reused, never allocated per receive. */
    public static final class Received {
        int sourceIp;
        int sourcePort;
        int segmentSize;

        public int sourceIp() {
            return sourceIp;
        }

        public int sourcePort() {
            return sourcePort;
        }

        /** The GRO segment size, or 0 when the bytes are one datagram. */
        public int segmentSize() {
            return segmentSize;
        }
    }

    /** The effective receive buffer size (the kernel doubles what was asked). */
    public int receiveBufferBytes() throws NativeException {
        return getInt(LibC.SOL_SOCKET, LibC.SO_RCVBUF);
    }

    /** sendmsg state: one msghdr, one iovec, the destination and a UDP_SEGMENT control message. */
    private final class Sender {
        private final ByteBuffer msghdr = ByteBuffer.allocateDirect(MSGHDR_SIZE).order(ByteOrder.nativeOrder());
        private final ByteBuffer iovec = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        private final ByteBuffer destination = ByteBuffer.allocateDirect(SOCKADDR_IN_SIZE);
        private final ByteBuffer control = ByteBuffer.allocateDirect(CMSG_SPACE_INT).order(ByteOrder.nativeOrder());
        private final long msghdrAddress = LibC.address(msghdr);

        Sender() {
            msghdr.putLong(0, LibC.address(destination));
            msghdr.putInt(8, SOCKADDR_IN_SIZE);
            msghdr.putLong(16, LibC.address(iovec));
            msghdr.putLong(24, 1);
            control.putLong(0, 18);          // cmsg_len = CMSG_LEN(sizeof(u16))
            control.putInt(8, SOL_UDP);
            control.putInt(12, UDP_SEGMENT);
        }

        synchronized boolean send(ByteBuffer buffer, int offset, int length, int ip, int port, int segmentSize)
                throws NativeException {
            iovec.putLong(0, LibC.address(buffer) + offset);
            iovec.putLong(8, length);
            writeSockaddr(destination, ip, port);
            if (segmentSize > 0 && segmentSize < length) {
                control.putShort(16, (short) segmentSize);
                msghdr.putLong(32, LibC.address(control));
                msghdr.putLong(40, CMSG_SPACE_INT);
            } else {
                msghdr.putLong(32, 0);
                msghdr.putLong(40, 0);
            }
            while (true) {
                long n = C.sendmsg(fd, msghdrAddress, MSG_DONTWAIT);
                if (n >= 0) {
                    return true;
                }
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EAGAIN || errno == Errno.ENOBUFS) {
                    return false;
                }
                // ICMP errors from an earlier send (port or host unreachable) surface here: not this packet's fault.
                if (errno == Errno.ECONNREFUSED || errno == Errno.EHOSTUNREACH || errno == Errno.ENETUNREACH) {
                    return false;
                }
                throw new NativeException("sendmsg UDP", errno);
            }
        }
    }

    /** recvmsg state: one msghdr, one iovec, the sender's address and room for the UDP_GRO cmsg. */
    private final class Receiver {
        private final ByteBuffer msghdr = ByteBuffer.allocateDirect(MSGHDR_SIZE).order(ByteOrder.nativeOrder());
        private final ByteBuffer iovec = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
        private final ByteBuffer source = ByteBuffer.allocateDirect(SOCKADDR_IN_SIZE);
        private final ByteBuffer control = ByteBuffer.allocateDirect(64).order(ByteOrder.nativeOrder());
        private final long msghdrAddress = LibC.address(msghdr);

        synchronized int receive(ByteBuffer buffer, int offset, int capacity, Received into) throws IOException {
            while (!closed) {
                msghdr.putLong(0, LibC.address(source));
                msghdr.putInt(8, SOCKADDR_IN_SIZE);
                msghdr.putLong(16, LibC.address(iovec));
                msghdr.putLong(24, 1);
                msghdr.putLong(32, LibC.address(control));
                msghdr.putLong(40, control.capacity());
                msghdr.putInt(48, 0);
                iovec.putLong(0, LibC.address(buffer) + offset);
                iovec.putLong(8, capacity);
                long n = C.recvmsg(fd, msghdrAddress, MSG_DONTWAIT);
                if (n >= 0) {
                    into.sourceIp = source.order(ByteOrder.BIG_ENDIAN).getInt(4);
                    into.sourcePort = source.getShort(2) & 0xffff;
                    into.segmentSize = groSegmentSize();
                    return (int) n;
                }
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                if (errno == Errno.EAGAIN) {
                    return NOTHING_QUEUED;
                }
                if (errno == Errno.ECONNREFUSED || errno == Errno.EHOSTUNREACH || errno == Errno.ENETUNREACH) {
                    continue; // a queued ICMP error from an earlier send; the next datagram is fine
                }
                throw new NativeException("recvmsg UDP", errno);
            }
            return -1;
        }

        /** The UDP_GRO control message's segment size, if the kernel sent one. */
        private int groSegmentSize() {
            long length = msghdr.getLong(40);
            int at = 0;
            while (at + 16 <= length) {
                long cmsgLen = control.getLong(at);
                if (cmsgLen < 16) {
                    break;
                }
                if (control.getInt(at + 8) == SOL_UDP && control.getInt(at + 12) == UDP_GRO) {
                    return control.getInt(at + 16);
                }
                at += (int) ((cmsgLen + 7) & ~7L);
            }
            return 0;
        }
    }

    private void setBuffer(int force, int plain, int bytes, String what) throws NativeException {
        try {
            setInt(LibC.SOL_SOCKET, force, bytes, what + "FORCE");
        } catch (NativeException e) {
            setInt(LibC.SOL_SOCKET, plain, bytes, what);
        }
    }

    private void setInt(int level, int name, int value, String what) throws NativeException {
        synchronized (option) {
            option.putInt(0, value);
            if (C.setsockopt(fd, level, name, LibC.address(option), 4) < 0) {
                throw NativeException.last("setsockopt " + what);
            }
        }
    }

    private int getInt(int level, int name) throws NativeException {
        synchronized (option) {
            option.putInt(4, 4); // socklen_t in/out
            if (C.getsockopt(fd, level, name, LibC.address(option), LibC.address(option) + 4) < 0) {
                throw NativeException.last("getsockopt");
            }
            return option.getInt(0);
        }
    }

    /** struct sockaddr_in: family (host order), port and address (network order), zero padding. */
    private static void writeSockaddr(ByteBuffer sockaddr, int ip, int port) {
        sockaddr.order(ByteOrder.nativeOrder()).putShort(0, (short) LibC.AF_INET);
        sockaddr.order(ByteOrder.BIG_ENDIAN).putShort(2, (short) port).putInt(4, ip).putLong(8, 0);
    }

    private static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // A send or receive in flight holds its monitor: the descriptor closes after it returns.
        synchronized (receiver) {
            synchronized (sender) {
                C.close(fd);
            }
        }
    }
}
