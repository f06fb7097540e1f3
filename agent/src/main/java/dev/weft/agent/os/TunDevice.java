package dev.weft.agent.os;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A layer-3 TUN device: one IP packet per read and per write, no packet-info header.
 *
 * <p>Kept narrow on purpose: an offloading device (virtio header, TSO) sits behind the same
 * interface. Buffers must be direct; the caller owns and reuses them. Reads never block: a reader
 * sleeps in {@link DataPathPoller} until the device is readable. Any thread may read or write.
 */
public interface TunDevice extends Closeable {

    /** TUN_F_* offload flags (linux/if_tun.h), for {@link #openWithOffloads}. */
    int TUN_F_CSUM = 0x01;
    int TUN_F_TSO4 = 0x02;
    int TUN_F_TSO6 = 0x04;
    int TUN_F_TSO_ECN = 0x08;
    int TUN_F_USO4 = 0x20;
    int TUN_F_USO6 = 0x40;

    /** Opens a plain {@code IFF_TUN|IFF_NO_PI} device in the calling thread's network namespace. */
    static TunDevice open(String nameTemplate) throws IOException {
        return LinuxTunDevice.open(nameTemplate);
    }

    /**
     * Opens a device with {@code IFF_VNET_HDR}: every packet read or written starts with a 10-byte
     * {@code struct virtio_net_hdr}. The first offload set in {@code wanted} that the kernel accepts
     * is enabled ({@link #offloads()} tells which; 0 when none was).
     */
    static TunDevice openWithOffloads(String nameTemplate, int... wanted) throws IOException {
        return LinuxTunDevice.open(nameTemplate, wanted.length == 0 ? new int[] {0} : wanted);
    }

    /** The name the kernel gave the device, e.g. "flannel0" for the template "flannel%d". */
    String name();

    /** Whether every packet read and written carries a 10-byte virtio_net_hdr in front. */
    boolean hasVirtioHeader();

    /** The TUN_F_* offloads the kernel accepted (0 for a plain device). */
    int offloads();

    /**
     * Copies the next queued packet to {@code dst} at its position (at most {@code dst.remaining()}
     * bytes) and advances the position; never blocks.
     *
     * @return the packet length; 0 when no packet is queued; -1 once the device is closed
     */
    int readNow(ByteBuffer dst) throws IOException;


    /** Writes the bytes between position and limit of {@code src} as one packet; position moves to limit. */
    void write(ByteBuffer src) throws IOException;

    /** Removes the device (it is not persistent); later reads return -1, later writes fail with EBADF. */
    @Override
    void close();
}
