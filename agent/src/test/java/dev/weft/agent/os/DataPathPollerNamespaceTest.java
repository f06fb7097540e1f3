package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.IpAddresses;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data-path thread's one sleep: a real TUN device and UDP socket in a namespace this test
 * creates. It must wake for either side, and for close.
 */
class DataPathPollerNamespaceTest {
    private static final Inet4Address LOOPBACK = IpAddresses.parseIpv4("127.0.0.1");
    private static final InetAddress REMOTE_POD = IpAddresses.parse("10.1.20.5");

    private TestNetns ns;
    private TunDevice tun;
    private UdpSocket socket;
    private DataPathPoller poller;

    @BeforeEach
    void setUp() throws Exception {
        ns = TestNetns.create();
        ns.ip("link", "set", "lo", "up");
        tun = ns.tunUp(() -> TunDevice.open("flannel%d"), "10.1.15.0", 16);
        socket = ns.call(() -> UdpSocket.bind(LOOPBACK, 18295, 1 << 16));
        poller = DataPathPoller.of(tun, socket);
    }

    @AfterEach
    void tearDown() throws Exception {
        // The owner's order: no thread polls any more, then the descriptors close.
        if (poller != null) {
            poller.release();
        }
        for (AutoCloseable c : new AutoCloseable[] {socket, tun, ns}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void wakesForAPacketOnTheTunAndForADatagramOnTheSocket() throws Exception {
        ns.call(() -> {
            try (DatagramSocket out = new DatagramSocket()) {
                out.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, REMOTE_POD, 9999));
            }
            return null;
        });
        assertTrue((awaitWithin2s() & DataPathPoller.TUN_READABLE) != 0, "a packet routed into flannel0");
        TunDeviceNamespaceTest.readMatching(tun, p -> (p.get(0) >> 4) == 4 && p.get(9) == 17);

        ns.call(() -> {
            try (DatagramSocket out = new DatagramSocket()) {
                out.send(new DatagramPacket(new byte[] {4, 5}, 2, LOOPBACK, 18295));
            }
            return null;
        });
        int ready = awaitWithin2s();
        assertTrue((ready & DataPathPoller.SOCKET_READABLE) != 0, "a datagram on the socket, got " + ready);
        assertEquals(2, socket.receiveNow(ByteBuffer.allocateDirect(2048), 0, 2048, new UdpSocket.Received()));
    }

    @Test
    void wakeReturnsABlockedAwaitAndEveryLaterOne() throws Exception {
        CompletableFuture<Integer> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                return drainThenAwait();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(200);
        assertTrue(!blocked.isDone(), "nothing to read: await sleeps");

        poller.wake();

        assertEquals(0, blocked.get(2, TimeUnit.SECONDS), "woken, nothing readable");
        assertEquals(0, poller.await(), "after wake every await returns at once");
    }

    /** Skips whatever the kernel put on the TUN by itself (IPv6 chatter), then sleeps in await. */
    private int drainThenAwait() throws Exception {
        ByteBuffer buffer = ByteBuffer.allocateDirect(2048);
        while (tun.readNow(buffer.clear()) > 0) {
            // discard
        }
        return poller.await();
    }

    private int awaitWithin2s() throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return poller.await();
            } catch (NativeException e) {
                throw new IllegalStateException(e);
            }
        }).get(2, TimeUnit.SECONDS);
    }
}
