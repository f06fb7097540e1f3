package dev.weft.agent.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Where a reader of a non-blocking descriptor sleeps: poll(2) on the descriptor and on an eventfd
 * that {@link #signalClose()} makes readable for good, so closing never races a thread still
 * inside a syscall on a reused descriptor. Its native memory is allocated once and held here.
 */
final class ReadWaiter {
    private static final LibC C = LibC.INSTANCE;

    private final int closeFd;
    /** What the descriptor is, for errors; built once, since waiting must not allocate. */
    private final String what;
    private final ByteBuffer pollFds = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    private final long pollFdsAddress = LibC.address(pollFds);
    private final ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1L);

    private ReadWaiter(int fd, int closeFd, String what) {
        this.closeFd = closeFd;
        this.what = what;
        // struct pollfd {int fd; short events; short revents}: the descriptor, then the close eventfd.
        pollFds.putInt(0, fd).putShort(4, LibC.POLLIN);
        pollFds.putInt(8, closeFd).putShort(12, LibC.POLLIN);
    }

    static ReadWaiter forDescriptor(int fd, String what) throws NativeException {
        int closeFd = C.eventfd(0, LibC.EFD_NONBLOCK | LibC.EFD_CLOEXEC);
        if (closeFd < 0) {
            throw NativeException.last("eventfd for " + what);
        }
        return new ReadWaiter(fd, closeFd, what);
    }

    /** Sleeps until the descriptor is readable or the owner closes. One reader at a time. */
    void await() throws NativeException {
        if (C.poll(pollFdsAddress, 2, -1) < 0 && LibC.errno() != Errno.EINTR) {
            throw NativeException.last("poll " + what);
        }
    }

    /** Makes every present and future {@link #await} return at once. */
    void signalClose() {
        C.write(closeFd, LibC.address(one), 8);
    }

    /** Frees the eventfds; only once no thread can be in {@link #await}. */
    void release() {
        C.close(closeFd);
    }
}
