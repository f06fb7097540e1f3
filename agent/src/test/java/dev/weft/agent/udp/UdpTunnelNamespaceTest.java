package dev.weft.agent.udp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.weft.agent.os.TestNetns;
import dev.weft.agent.os.TestPackets;
import dev.weft.agent.os.TunDevice;
import dev.weft.agent.os.UdpSocket;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tunnel's one data-path thread between a real flannel0 and a real UDP socket, in a namespace
 * this test creates: a peer at 127.0.0.2 (subnet 10.1.20.0/24) pings this host's TUN address
 * through the tunnel, and the kernel's echo reply must come back to the peer in Flannel's format.
 */
class UdpTunnelNamespaceTest {
    private static final int PORT = 18300;
    private static final Inet4Address HOST = IpAddresses.parseIpv4("127.0.0.1");
    private static final Inet4Address PEER = IpAddresses.parseIpv4("127.0.0.2");
    private static final Inet4Address TUN_ADDRESS = IpAddresses.parseIpv4("10.1.15.0");
    private static final Inet4Address REMOTE_POD = IpAddresses.parseIpv4("10.1.20.5");

    private TestNetns ns;
    private TunDevice tun;
    private UdpSocket socket;
    private UdpTunnel tunnel;
    private DatagramSocket peer;
    private final DataPathStats stats = new DataPathStats();

    @BeforeEach
    void setUp() throws Exception {
        ns = TestNetns.create();
        ns.ip("link", "set", "lo", "up");
        tun = ns.tunUp(() -> TunDevice.open("flannel%d"), "10.1.15.0", 16);
        socket = ns.call(() -> UdpSocket.bind(HOST, PORT, 1 << 20));
        peer = ns.call(() -> new DatagramSocket(new InetSocketAddress(PEER, PORT)));
        peer.setSoTimeout(2000);
        PeerTable peers = PeerTable.of(24, List.of(Peer.of(Cidr.parse("10.1.20.0/24"), PEER)));
        UdpTunnel.LocalSubnet local = new UdpTunnel.LocalSubnet(IpAddresses.toInt(TUN_ADDRESS), 0xffffff00,
            IpAddresses.toInt(TUN_ADDRESS));
        tunnel = new UdpTunnel(tun, socket, false, PORT, peers, local, stats);
        tunnel.start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {tunnel, tun, peer, ns}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void aPeersEchoRequestIsAnsweredBackToThePeerThroughTheTunnel() throws Exception {
        byte[] request = TestPackets.echoRequest(REMOTE_POD, TUN_ADDRESS, 0x5746, 7, "weft".getBytes(StandardCharsets.US_ASCII));
        peer.send(new DatagramPacket(request, request.length, HOST, PORT));

        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        peer.receive(reply);

        ByteBuffer packet = ByteBuffer.wrap(reply.getData(), 0, reply.getLength());
        assertEquals(HOST, reply.getAddress(), "sent from the tunnel's socket");
        assertEquals(TUN_ADDRESS, IpAddresses.fromInt(packet.getInt(12)), "from this host's TUN address");
        assertEquals(REMOTE_POD, IpAddresses.fromInt(packet.getInt(16)), "to the pod that asked");
        int ihl = (packet.get(0) & 0x0f) * 4;
        assertEquals(0, packet.get(ihl), "an ICMP echo reply");
        assertEquals(7, packet.getShort(ihl + 6), "the request's sequence number");
        assertEquals(1, stats.rxPackets());
        // The reply can reach the peer before the tunnel thread counts its send.
        await().atMost(Duration.ofSeconds(2)).until(() -> stats.txPackets() == 1);
    }

    @Test
    void closeStopsTheDataPathThreadAndClosesTheSocket() throws Exception {
        tunnel.close();

        assertFalse(Thread.getAllStackTraces().keySet().stream()
            .anyMatch(t -> t.getName().equals("weft-udp-tunnel") && t.isAlive()), "no data-path thread left");
        assertEquals(-1, socket.receiveNow(ByteBuffer.allocateDirect(64), 0, 64, new UdpSocket.Received()),
            "the socket is closed");
        tunnel = null;
    }
}
