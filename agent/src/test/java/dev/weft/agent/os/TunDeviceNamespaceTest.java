package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.IpAddresses;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A real TUN device, set up as the UDP backend sets up flannel0 (MTU 1472, up,
 * 10.1.15.0/16), in a namespace this test creates; packets go through the kernel both ways.
 */
class TunDeviceNamespaceTest {
    private static final InetAddress TUN_ADDRESS = IpAddresses.parse("10.1.15.0");
    private static final InetAddress REMOTE_POD = IpAddresses.parse("10.1.20.5");

    private TestNetns ns;
    private RouteNetlink netlink;

    @BeforeEach
    void createNamespace() throws Exception {
        ns = TestNetns.create();
        netlink = ns.netlink(); // closed with the namespace
    }

    @AfterEach
    void deleteNamespace() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    private TunDevice flannel0() throws Exception {
        return ns.tunUp(() -> TunDevice.open("flannel%d"), "10.1.15.0", 16);
    }

    @Test
    void templateNameGetsTheKernelsNumberAndSetupShowsInIp() throws Exception {
        try (TunDevice tun = flannel0(); TunDevice second = ns.call(() -> TunDevice.open("flannel%d"))) {
            assertEquals("flannel0", tun.name());
            assertEquals("flannel1", second.name());

            String link = ns.ip("-o", "link", "show", "dev", "flannel0");
            assertTrue(link.contains("<POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1472"), link);
            String addr = ns.ip("-o", "-4", "addr", "show", "dev", "flannel0");
            assertTrue(addr.contains("inet 10.1.15.0/16 brd 10.1.255.255 scope global flannel0"), addr);
            String route = ns.ip("route", "show", "10.1.0.0/16");
            assertTrue(route.contains("10.1.0.0/16 dev flannel0 proto kernel scope link src 10.1.15.0"), route);

            Link listed = netlink.linkByName("flannel0").orElseThrow();
            assertEquals(1472, listed.mtu());
            assertTrue(listed.isUp());
            assertEquals("tun", listed.kind());
            assertTrue(netlink.addresses(listed.index()).stream()
                .anyMatch(a -> a.address().equals(TUN_ADDRESS) && a.prefixLength() == 16 && a.isPermanent()));
        }
        // Not persistent: closing the file removes the device.
        assertTrue(netlink.linkByName("flannel0").isEmpty());
    }

    @Test
    void exactNameIsKeptAndOverlongNameIsRefused() throws Exception {
        try (TunDevice tun = ns.call(() -> TunDevice.open("wtexact7"))) {
            assertEquals("wtexact7", tun.name());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> ns.call(() -> TunDevice.open("a-name-of-16-chr")));
        assertEquals("TUN name \"a-name-of-16-chr\" must be 1..15 characters", e.getMessage());
    }

    @Test
    void datagramRoutedIntoTheOverlayIsReadFromTheTun() throws Exception {
        try (TunDevice tun = flannel0()) {
            byte[] payload = "hello from weft".getBytes(StandardCharsets.US_ASCII);
            ns.call(() -> {
                try (DatagramSocket socket = new DatagramSocket()) {
                    socket.send(new DatagramPacket(payload, payload.length, REMOTE_POD, 9999));
                }
                return null;
            });

            ByteBuffer packet = readMatching(tun, p -> (p.get(0) >> 4) == 4 && p.get(9) == 17);

            assertEquals(TUN_ADDRESS, address(packet, 12));
            assertEquals(REMOTE_POD, address(packet, 16));
            int ihl = (packet.get(0) & 0x0f) * 4;
            assertEquals(9999, packet.getShort(ihl + 2) & 0xffff);
            assertEquals(20 + 8 + payload.length, packet.limit());
            byte[] received = new byte[payload.length];
            packet.get(ihl + 8, received);
            assertEquals("hello from weft", new String(received, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void echoRequestWrittenToTheTunIsAnsweredThroughIt() throws Exception {
        try (TunDevice tun = flannel0()) {
            ByteBuffer request = ByteBuffer.allocateDirect(2048);
            request.put(TestPackets.echoRequest(REMOTE_POD, TUN_ADDRESS, 0x5745, 1, "weft-ping".getBytes(StandardCharsets.US_ASCII)));
            request.flip();

            tun.write(request);
            assertEquals(request.limit(), request.position());

            ByteBuffer reply = readMatching(tun, p -> (p.get(0) >> 4) == 4 && p.get(9) == 1);
            assertEquals(TUN_ADDRESS, address(reply, 12));
            assertEquals(REMOTE_POD, address(reply, 16));
            int ihl = (reply.get(0) & 0x0f) * 4;
            assertEquals(0, reply.get(ihl), "ICMP type echo reply");
            assertEquals(0x5745, reply.getShort(ihl + 4) & 0xffff);
            assertEquals(1, reply.getShort(ihl + 6));
        }
    }

    @Test
    void readNeverBlocksAndReportsTheClose() throws Exception {
        TunDevice tun = flannel0();
        ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        // Nothing is routed into the overlay yet (the kernel may still send it IPv6 chatter: skip that).
        int n;
        do {
            buffer.clear();
            n = tun.readNow(buffer);
        } while (n > 0 && (buffer.get(0) >> 4) == 6);
        assertEquals(0, n, "an empty queue reads as 0 at once");

        tun.close();

        assertEquals(-1, tun.readNow(buffer));
        NativeException e = assertThrows(NativeException.class, () -> tun.write(ByteBuffer.allocateDirect(20)));
        assertEquals("write TUN flannel0: Bad file descriptor (EBADF)", e.getMessage());
    }

    @Test
    void refusedWriteNamesTheDevice() throws Exception {
        try (TunDevice tun = flannel0()) {
            NativeException empty = assertThrows(NativeException.class, () -> tun.write(ByteBuffer.allocateDirect(0)));
            assertEquals("write TUN flannel0: Invalid argument (EINVAL)", empty.getMessage());
            IllegalArgumentException heap = assertThrows(IllegalArgumentException.class, () -> tun.write(ByteBuffer.allocate(20)));
            assertEquals("buffer must be direct, got a heap buffer", heap.getMessage());
        }
    }

    /** Reads packets until one matches (the kernel may also send e.g. IPv6 router solicitations); 5 s at most. */
    static ByteBuffer readMatching(TunDevice tun, Predicate<ByteBuffer> wanted) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            buffer.clear();
            int n = tun.readNow(buffer);
            if (n < 0) {
                throw new IllegalStateException("TUN closed before the packet came");
            }
            if (n == 0) {
                Thread.sleep(1);
                continue;
            }
            buffer.flip();
            if (n >= 20 && wanted.test(buffer)) {
                return buffer;
            }
        }
        throw new AssertionError("no matching packet on " + tun.name() + " within 5 s");
    }

    private static InetAddress address(ByteBuffer packet, int offset) {
        byte[] bytes = new byte[4];
        packet.get(offset, bytes);
        return IpAddresses.fromBytes(bytes);
    }
}
