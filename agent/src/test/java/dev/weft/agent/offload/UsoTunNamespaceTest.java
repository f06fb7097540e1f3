package dev.weft.agent.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.agent.os.TestNetns;
import dev.weft.agent.os.TunDevice;
import dev.weft.agent.os.UdpSocket;
import dev.weft.core.net.IpAddresses;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * USO against the kernel: a UDP GSO send routed into a flannel0 opened with the offloads the UDP
 * backend asks for comes out of the TUN as one UDP super-packet, and {@link GsoSegmenter} turns it
 * into exactly the datagrams the sender meant. In a namespace this test creates.
 */
class UsoTunNamespaceTest {
    private static final int ALL_OFFLOADS = TunDevice.TUN_F_CSUM | TunDevice.TUN_F_TSO4 | TunDevice.TUN_F_TSO6
        | TunDevice.TUN_F_TSO_ECN | TunDevice.TUN_F_USO4 | TunDevice.TUN_F_USO6;

    private TestNetns ns;
    private TunDevice tun;

    @BeforeEach
    void setUp() throws Exception {
        ns = TestNetns.create();
        tun = ns.tunUp(() -> TunDevice.openWithOffloads("flannel%d", ALL_OFFLOADS), "10.1.15.0", 16);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (tun != null) {
            tun.close();
        }
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void aUdpGsoSendIsReadAsOneSuperPacketAndSplitIntoTheSendersDatagrams() throws Exception {
        assumeTrue(tun.offloads() == ALL_OFFLOADS, "this kernel refuses USO on TUN (Linux 6.2 added it)");
        byte[] payload = new byte[2500];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) (i * 7 + 3);
        }
        ns.call(() -> {
            try (UdpSocket sender = UdpSocket.bind(IpAddresses.parseIpv4("10.1.15.0"), 7000, 1 << 20)) {
                ByteBuffer out = ByteBuffer.allocateDirect(payload.length).put(0, payload);
                assertTrue(sender.send(out, 0, payload.length, IpAddresses.toInt(IpAddresses.parseIpv4("10.1.20.5")), 9999, 1000));
            }
            return null;
        });

        ByteBuffer read = ByteBuffer.allocateDirect(1 << 17);
        int length = 0;
        for (int tries = 0; tries < 2000 && length == 0; tries++) {
            length = tun.readNow(read.clear());
            if (length == 0) {
                Thread.sleep(1);
            }
        }
        assertEquals(VirtioNetHeader.GSO_UDP_L4, VirtioNetHeader.gsoType(read, 0), "one USO super-packet");
        assertEquals(1000, VirtioNetHeader.gsoSize(read, 0));

        Segments segments = new Segments();
        ByteBuffer out = ByteBuffer.allocateDirect(1 << 17);
        assertEquals(SegmentResult.SEGMENTED, new GsoSegmenter().segment(read, 0, length, out, 0, segments));
        assertEquals(3, segments.count());
        byte[] received = new byte[0];
        for (int i = 0; i < 3; i++) {
            byte[] datagram = TestPacket.region(out, segments.offset(i), segments.length(i));
            assertTrue(TestPacket.ipv4HeaderValid(datagram), "IPv4 header checksum of datagram " + i);
            assertTrue(TestPacket.udpChecksumValid(datagram), "UDP checksum of datagram " + i);
            assertEquals(7000, TestPacket.u16(datagram, 20));
            assertEquals(9999, TestPacket.u16(datagram, 22));
            int start = received.length;
            received = Arrays.copyOf(received, start + datagram.length - 28);
            System.arraycopy(datagram, 28, received, start, datagram.length - 28);
        }
        assertEquals(payload.length, received.length);
        assertTrue(Arrays.equals(payload, received), "the sender's bytes, in order");
    }
}
