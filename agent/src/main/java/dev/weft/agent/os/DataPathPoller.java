package dev.weft.agent.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where one data-path thread sleeps while neither its TUN device nor its UDP socket has anything to
 * read: one poll(2) over both descriptors and an eventfd that {@link #wake()} makes readable for good.
 *
 * <p>Why one thread for both directions: a packet that arrives from a peer and is written to TUN
 * often makes the host answer at once (an ICMP echo reply, a TCP ACK), and the answer is queued on
 * TUN during that very write. The same thread finds it on its next read instead of waking a second
 * thread, which on a small VM costs more than the work itself. Flannel's own UDP proxy is one
 * poll loop too.
 *
 * <p>The owner must stop the polling thread (wake it, join it) before closing either descriptor,
 * so poll never sees a closed or reused descriptor number. Native memory is allocated once.
 */
public final class DataPathPoller {
    private static final LibC C = LibC.INSTANCE;
    /** Bits of {@link #await()}'s result. */
    public static final int TUN_READABLE = 1;
    public static final int SOCKET_READABLE = 2;

    private final int wakeFd;
    private final ByteBuffer pollFds = ByteBuffer.allocateDirect(24).order(ByteOrder.nativeOrder());
    private final long pollFdsAddress = LibC.address(pollFds);
    private final ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1L);
    private volatile boolean woken;

    private DataPathPoller(int tunFd, int socketFd, int wakeFd) {
        this.wakeFd = wakeFd;
        // struct pollfd {int fd; short events; short revents}
        pollFds.putInt(0, tunFd).putShort(4, LibC.POLLIN);
        pollFds.putInt(8, socketFd).putShort(12, LibC.POLLIN);
        pollFds.putInt(16, wakeFd).putShort(20, LibC.POLLIN);
    }

    /** A poller over {@code tun} and {@code socket}, both of which must stay open until it is released. */
    public static DataPathPoller of(TunDevice tun, UdpSocket socket) throws NativeException {
        int wakeFd = C.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (wakeFd < 0) {
            throw NativeException.last("eventfd for the data path poller");
        }
        return new DataPathPoller(((LinuxTunDevice) tun).descriptor(), socket.descriptor(), wakeFd);
    }

    /**
     * Sleeps until the TUN device or the socket is readable, or {@link #wake()} was called; returns
     * which of {@link #TUN_READABLE} and {@link #SOCKET_READABLE} are (0 after a wake-up or EINTR).
     */
    public int await() throws NativeException {
        if (woken) {
            return 0;
        }
        if (C.poll(pollFdsAddress, 3, -1) < 0) {
            if (LibC.errno() == Errno.EINTR) {
                return 0;
            }
            throw NativeException.last("poll TUN and UDP socket");
        }
        // Any revents (POLLERR, POLLHUP too) counts as readable: the next read reports what happened.
        int ready = 0;
        if (pollFds.getShort(6) != 0) {
            ready |= TUN_READABLE;
        }
        if (pollFds.getShort(14) != 0) {
            ready |= SOCKET_READABLE;
        }
        return ready;
    }

    /** Makes the present and every later {@link #await} return at once. */
    public void wake() {
        woken = true;
        C.write(wakeFd, LibC.address(one), 8);
    }

    /** Frees the eventfd; only once no thread can be in {@link #await}. */
    public void release() {
        C.close(wakeFd);
    }
}
