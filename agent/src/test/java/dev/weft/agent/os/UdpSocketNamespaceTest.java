package dev.weft.agent.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The raw UDP socket against the kernel, on loopback inside a test namespace. */
class UdpSocketNamespaceTest {
    private static final Inet4Address LOOPBACK = IpAddresses.parseIpv4("127.0.0.1");
    private static final int LOOPBACK_INT = 0x7f000001;
    private static TestNetns ns;

    @BeforeAll
    static void lab() throws Exception {
        ns = TestNetns.create();
        ns.ip("link", "set", "lo", "up");
    }

    @AfterAll
    static void down() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    /** Receives until {@code bytes} arrived; returns each datagram's length, as GRO segment sizes cut them. */
    private static List<Integer> receiveDatagrams(UdpSocket socket, int bytes, UdpSocket.Received from, ByteBuffer buf)
            throws Exception {
        List<Integer> datagrams = new ArrayList<>();
        int total = 0;
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (total < bytes) {
            int n = socket.receiveNow(buf, 0, buf.capacity(), from);
            if (n == UdpSocket.NOTHING_QUEUED) {
                assertTrue(System.nanoTime() < deadline, "only " + total + " of " + bytes + " bytes came within 5 s");
                Thread.sleep(1);
                continue;
            }
            int step = from.segmentSize() > 0 ? from.segmentSize() : n;
            for (int off = 0; off < n; off += step) {
                datagrams.add(Math.min(step, n - off));
            }
            total += n;
        }
        return datagrams;
    }

    @Test
    void gsoSendArrivesAsSeparateDatagramsFromTheSender() throws Exception {
        ns.call(() -> {
            try (UdpSocket receiver = UdpSocket.bind(LOOPBACK, 18285, 1 << 20);
                 UdpSocket sender = UdpSocket.bind(LOOPBACK, 18286, 1 << 20)) {
                assertTrue(receiver.enableGro(), "this kernel offers UDP GRO");
                assertTrue(sender.supportsGso(), "this kernel offers UDP GSO");
                ByteBuffer out = ByteBuffer.allocateDirect(4096);
                for (int i = 0; i < 2500; i++) {
                    out.put(i, (byte) i);
                }
                assertTrue(sender.send(out, 0, 2500, LOOPBACK_INT, 18285, 1000));
                UdpSocket.Received from = new UdpSocket.Received();
                ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
                assertEquals(List.of(1000, 1000, 500), receiveDatagrams(receiver, 2500, from, in),
                    "one GSO send of 2500 bytes in 1000-byte segments is three datagrams");
                assertEquals(LOOPBACK_INT, from.sourceIp());
                assertEquals(18286, from.sourcePort());
            }
            return null;
        });
    }

    @Test
    void plainSendsAreOneDatagramEach() throws Exception {
        ns.call(() -> {
            try (UdpSocket receiver = UdpSocket.bind(LOOPBACK, 18287, 1 << 20);
                 UdpSocket sender = UdpSocket.bind(LOOPBACK, 18288, 1 << 20)) {
                ByteBuffer out = ByteBuffer.allocateDirect(2048);
                assertTrue(sender.send(out, 0, 1400, LOOPBACK_INT, 18287, 0));
                assertTrue(sender.send(out, 100, 60, LOOPBACK_INT, 18287, 0));
                UdpSocket.Received from = new UdpSocket.Received();
                assertEquals(List.of(1400, 60), receiveDatagrams(receiver, 1460, from, ByteBuffer.allocateDirect(1 << 16)));
                assertTrue(receiver.receiveBufferBytes() >= 1 << 20, "buffer at least as asked");
            }
            return null;
        });
    }

    @Test
    void receiveNeverBlocksAndReportsTheClose() throws Exception {
        UdpSocket socket = ns.call(() -> UdpSocket.bind(LOOPBACK, 18289, 1 << 16));
        ByteBuffer buf = ByteBuffer.allocateDirect(2048);
        UdpSocket.Received from = new UdpSocket.Received();
        assertEquals(UdpSocket.NOTHING_QUEUED, socket.receiveNow(buf, 0, 2048, from), "an empty queue at once");

        socket.close();

        assertEquals(-1, socket.receiveNow(buf, 0, 2048, from), "-1 once closed");
    }
}
