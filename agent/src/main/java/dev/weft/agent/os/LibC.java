package dev.weft.agent.os;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * The few libc calls the agent needs, bound once through jnr-ffi.
 *
 * <p>Every pointer is a raw {@code long} address: callers pass addresses of direct
 * ByteBuffers they keep referenced for as long as the kernel may touch them (see
 * {@link #address(ByteBuffer)}). Return values follow libc: -1 and errno on failure;
 * read the errno with {@link #errno()} right after the call, on the same thread.
 * Every function here takes at most five arguments, see the note at {@link #send}.
 */
public interface LibC {

    LibC INSTANCE = LibraryLoader.create(LibC.class).failImmediately().load("c");

    Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

    int O_RDONLY = 0;
    int O_RDWR = 2;
    int O_NONBLOCK = 0x800;
    int O_CLOEXEC = 0x80000;

    int AF_INET = 2;
    int AF_INET6 = 10;
    int AF_NETLINK = 16;
    int SOCK_DGRAM = 2;
    int SOCK_RAW = 3;
    int SOCK_CLOEXEC = 0x80000;

    int SOL_SOCKET = 1;
    int SO_SNDBUF = 7;
    int SO_RCVBUF = 8;

    short POLLIN = 0x1;
    short POLLOUT = 0x4;
    short POLLERR = 0x8;
    short POLLHUP = 0x10;
    short POLLNVAL = 0x20;

    int EFD_NONBLOCK = 0x800;
    int EFD_CLOEXEC = 0x80000;

    int CLONE_NEWNET = 0x40000000;

    int open(String path, int flags);

    int close(int fd);

    long read(int fd, long buf, long count);

    long write(int fd, long buf, long count);

    int ioctl(int fd, long request, long arg);

    int socket(int domain, int type, int protocol);

    int bind(int fd, long addr, int addrlen);

    // No six-argument functions (sendto, recvfrom): jnr-ffi 2.2.17 passes a garbage sixth
    // argument here (strace showed addrlen 278156762; jnr/jnr-ffi issue #181). Use send/recv
    // or sendmsg/recvmsg, whose addresses travel inside the msghdr.
    long send(int fd, long buf, long len, int flags);

    long recv(int fd, long buf, long len, int flags);

    long sendmsg(int fd, long msghdr, int flags);

    long recvmsg(int fd, long msghdr, int flags);

    int setsockopt(int fd, int level, int optname, long optval, int optlen);

    /** {@code optlen} is the address of a socklen_t holding the buffer size on entry. */
    int getsockopt(int fd, int level, int optname, long optval, long optlen);

    int poll(long fds, long nfds, int timeoutMillis);

    int eventfd(int initval, int flags);

    int setns(int fd, int nstype);

    String strerror(int errnum);

    /** The errno the last native call on this thread left behind. */
    static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    /**
     * The native address of a direct buffer's first byte (ignores position). The buffer must
     * stay strongly referenced while the address is in use: the GC frees an unreachable direct
     * buffer even when the kernel still holds its address.
     */
    static long address(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("buffer must be direct, got a heap buffer");
        }
        return MemoryIO.getInstance().getDirectBufferAddress(direct);
    }
}
