package dev.weft.agent.os;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Supplier;

/**
 * A NETLINK_ROUTE socket in the network namespace of the thread that opened it. Sends one
 * request at a time and reads until its ACK or DONE. All native memory it hands the kernel
 * (send and receive buffers, the sockaddr_nl for bind) is allocated once and held here.
 */
public final class Netlink implements Closeable {
    private static final LibC C = LibC.INSTANCE;
    /** Dumps come in datagrams of up to 32 KiB; 64 KiB leaves room. */
    private static final int RECEIVE_SIZE = 64 * 1024;
    private static final int MSG_TRUNC = 0x20;
    private static final int SOCKADDR_NL_SIZE = 12;

    private final int fd;
    private final ByteBuffer receive;
    private final long receiveAddress;
    private final ByteBuffer bindAddress;
    private final ByteBuffer optionValue;
    private ByteBuffer send;
    private int nextSeq = 1;
    private boolean closed;

    private Netlink(int fd) {
        this.fd = fd;
        this.receive = ByteBuffer.allocateDirect(RECEIVE_SIZE).order(ByteOrder.nativeOrder());
        this.receiveAddress = LibC.address(receive);
        // struct sockaddr_nl {u16 family; u16 pad; u32 pid; u32 groups}: pid 0 lets the kernel pick our port id.
        this.bindAddress = ByteBuffer.allocateDirect(SOCKADDR_NL_SIZE).order(ByteOrder.nativeOrder())
            .putShort(0, (short) LibC.AF_NETLINK);
        this.optionValue = ByteBuffer.allocateDirect(4).order(ByteOrder.nativeOrder());
        this.send = ByteBuffer.allocateDirect(4096);
    }

    /** Opens a route netlink socket in the calling thread's network namespace. */
    public static Netlink openRoute() throws NativeException {
        int fd = C.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, Rtnl.NETLINK_ROUTE);
        if (fd < 0) {
            throw NativeException.last("socket AF_NETLINK NETLINK_ROUTE");
        }
        Netlink netlink = new Netlink(fd);
        try {
            if (C.bind(fd, LibC.address(netlink.bindAddress), SOCKADDR_NL_SIZE) < 0) {
                throw NativeException.last("bind netlink socket");
            }
            // Ask for the kernel's error text and for short ACKs; both are optional, so failures are ignored.
            netlink.setOption(Rtnl.NETLINK_EXT_ACK, 1);
            netlink.setOption(Rtnl.NETLINK_CAP_ACK, 1);
        } catch (NativeException e) {
            netlink.close();
            throw e;
        }
        return netlink;
    }

    private void setOption(int option, int value) {
        optionValue.putInt(0, value);
        C.setsockopt(fd, Rtnl.SOL_NETLINK, option, LibC.address(optionValue), 4);
    }

    /**
     * Sends {@code message} and returns the data messages of the reply (empty for a plain ACK).
     * {@code operation} names the request for the error message; it is built only on failure.
     */
    public synchronized List<NetlinkMessage> request(RtnlMessage message, Supplier<String> operation)
        throws NativeException {
        if (closed) {
            throw new NativeException("netlink request on a closed socket", Errno.EBADF);
        }
        int seq = nextSeq++;
        byte[] bytes = message.toBytes(seq, 0);
        if (send.capacity() < bytes.length) {
            send = ByteBuffer.allocateDirect(Rtnl.align(bytes.length) * 2);
        }
        send.clear();
        send.put(bytes);
        // An unconnected netlink socket sends to the kernel (port 0) when no address is given.
        long sent = C.send(fd, LibC.address(send), bytes.length, 0);
        if (sent < 0) {
            throw NativeException.last("netlink send for " + operation.get());
        }
        ReplyCollector reply = new ReplyCollector(seq, operation);
        while (true) {
            long n = C.recv(fd, receiveAddress, RECEIVE_SIZE, MSG_TRUNC);
            if (n < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EINTR) {
                    continue;
                }
                throw new NativeException("netlink receive for " + operation.get(), errno);
            }
            if (n > RECEIVE_SIZE) {
                throw new NativeException("netlink receive for " + operation.get() + " (datagram of " + n
                    + " bytes over the " + RECEIVE_SIZE + "-byte buffer)", Errno.EMSGSIZE);
            }
            // Copied out: the next receive overwrites the pinned buffer while a dump is still arriving.
            ByteBuffer datagram = ByteBuffer.allocate((int) n).order(ByteOrder.nativeOrder());
            datagram.put(receive.duplicate().position(0).limit((int) n)).flip();
            if (reply.accept(datagram)) {
                return reply.messages();
            }
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            C.close(fd);
        }
    }
}
