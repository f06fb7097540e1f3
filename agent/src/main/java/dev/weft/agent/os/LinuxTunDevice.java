package dev.weft.agent.os;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * {@code /dev/net/tun} opened non-blocking with {@code IFF_TUN|IFF_NO_PI}, and with
 * {@code IFF_VNET_HDR} plus {@code TUNSETOFFLOAD} when offloads are asked for. Reads never block
 * (a reader sleeps in {@link DataPathPoller}), and close waits for calls in flight, so a descriptor
 * is never closed (and its number reused) under a read or write.
 */
final class LinuxTunDevice implements TunDevice {
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TUN = 0x0001;
    static final short IFF_NO_PI = 0x1000;
    static final short IFF_VNET_HDR = 0x4000;
    static final long TUNSETOFFLOAD = 0x400454d0L;
    static final int IFNAMSIZ = 16;
    private static final int IFREQ_SIZE = 40;
    /** A bit above every TUN_F_* flag, marking "opened with IFF_VNET_HDR". */
    private static final int VIRTIO_HEADER = 1 << 30;

    private static final LibC C = LibC.INSTANCE;

    private final int fd;
    private final String name;
    private final int offloads;
    /** Reads and writes in flight; close waits for them before closing the descriptor. */
    private final CallsInFlight calls = new CallsInFlight();

    private LinuxTunDevice(int fd, String name, int offloads) {
        this.fd = fd;
        this.name = name;
        this.offloads = offloads;
    }

    /**
     * Opens the device; with {@code wantedOffloads} non-empty, also with a virtio header and the
     * first of those offload sets the kernel accepts (none accepted: a plain device).
     */
    static LinuxTunDevice open(String nameTemplate, int... wantedOffloads) throws IOException {
        byte[] nameBytes = nameTemplate.getBytes(StandardCharsets.US_ASCII);
        if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
            throw new IllegalArgumentException("TUN name \"" + nameTemplate + "\" must be 1.." + (IFNAMSIZ - 1) + " characters");
        }
        int fd = C.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw NativeException.last("open /dev/net/tun");
        }
        try {
            ByteBuffer ifreq = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            ifreq.put(0, nameBytes);
            boolean virtio = wantedOffloads.length > 0;
            ifreq.putShort(IFNAMSIZ, (short) (IFF_TUN | IFF_NO_PI | (virtio ? IFF_VNET_HDR : 0)));
            if (C.ioctl(fd, TUNSETIFF, LibC.address(ifreq)) < 0) {
                throw NativeException.last("ioctl TUNSETIFF " + nameTemplate);
            }
            String actual = cString(ifreq, IFNAMSIZ);
            int offloads = 0;
            if (virtio) {
                offloads = -1;
                for (int wanted : wantedOffloads) {
                    // The argument is the flag set itself, not a pointer.
                    if (C.ioctl(fd, TUNSETOFFLOAD, wanted) == 0) {
                        offloads = wanted;
                        break;
                    }
                }
                if (offloads < 0) {
                    // Keep the header (reads carry a zero one) but nothing is offloaded.
                    C.ioctl(fd, TUNSETOFFLOAD, 0);
                    offloads = 0;
                }
            }
            return new LinuxTunDevice(fd, actual, virtio ? offloads | VIRTIO_HEADER : 0);
        } catch (IOException | RuntimeException e) {
            C.close(fd);
            throw e;
        }
    }

    private static String cString(ByteBuffer buffer, int max) {
        byte[] bytes = new byte[max];
        buffer.get(0, bytes);
        int end = 0;
        while (end < max && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean hasVirtioHeader() {
        return (offloads & VIRTIO_HEADER) != 0;
    }

    @Override
    public int offloads() {
        return offloads & ~VIRTIO_HEADER;
    }

    /** The descriptor, for {@link DataPathPoller}; valid until {@link #close()}. */
    int descriptor() {
        return fd;
    }

    @Override
    public int readNow(ByteBuffer dst) throws IOException {
        long address = LibC.address(dst) + dst.position();
        int capacity = dst.remaining();
        if (!calls.enter()) {
            return -1;
        }
        try {
            while (true) {
                long n = C.read(fd, address, capacity);
                if (n >= 0) {
                    dst.position(dst.position() + (int) n);
                    return (int) n;
                }
                int errno = LibC.errno();
                if (errno == Errno.EAGAIN) {
                    return 0;
                }
                if (errno != Errno.EINTR) {
                    throw new NativeException("read TUN " + name, errno);
                }
            }
        } finally {
            calls.exit();
        }
    }

    @Override
    public void write(ByteBuffer src) throws IOException {
        int length = src.remaining();
        long address = LibC.address(src) + src.position();
        if (!calls.enter()) {
            throw new NativeException("write TUN " + name, Errno.EBADF);
        }
        try {
            long n = C.write(fd, address, length);
            if (n < 0) {
                throw NativeException.last("write TUN " + name);
            }
            src.position(src.limit());
        } finally {
            calls.exit();
        }
    }

    @Override
    public synchronized void close() {
        if (calls.isClosed()) {
            return;
        }
        calls.closeAndAwait();
        C.close(fd);
    }

    @Override
    public String toString() {
        return "TUN " + name;
    }
}
