package dev.weft.agent.udp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerTableTest {

    static Peer peer(String subnet, String publicIp) {
        Inet4Address ip = IpAddresses.parseIpv4(publicIp);
        return Peer.of(Cidr.parse(subnet), ip);
    }

    static int ip(String text) {
        return IpAddresses.toInt(IpAddresses.parseIpv4(text));
    }

    @Test
    void findsThePeerByMaskingTheDestination() {
        Peer a = peer("10.1.20.0/24", "192.168.0.200");
        Peer b = peer("10.1.30.0/24", "192.168.0.150");
        PeerTable table = PeerTable.of(24, List.of(a, b));
        assertSame(a, table.lookup(ip("10.1.20.2")));
        assertSame(a, table.lookup(ip("10.1.20.255")));
        assertSame(b, table.lookup(ip("10.1.30.77")));
        assertNull(table.lookup(ip("10.1.21.2")));
        assertNull(table.lookup(ip("0.0.0.0")));
    }

    @Test
    void acceptsOnlyLeasedPublicIps() {
        PeerTable table = PeerTable.of(24, List.of(peer("10.1.20.0/24", "192.168.0.200")));
        assertTrue(table.isPeerAddress(ip("192.168.0.200")));
        assertFalse(table.isPeerAddress(ip("192.168.0.201")));
        assertFalse(table.isPeerAddress(0));
        assertFalse(PeerTable.empty(24).isPeerAddress(ip("192.168.0.200")));
    }

    @Test
    void oddSizedReservationsAreFoundToo() {
        Peer odd = peer("10.1.64.0/22", "192.168.0.9");
        PeerTable table = PeerTable.of(24, List.of(peer("10.1.20.0/24", "192.168.0.200"), odd));
        assertSame(odd, table.lookup(ip("10.1.66.3")));
    }

    @Test
    void thousandsOfPeersAllResolve() {
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            peers.add(peer("10." + (i >> 8) + "." + (i & 0xff) + ".0/24", "172.16." + (i >> 8) + "." + ((i & 0xff) | 1)));
        }
        PeerTable table = PeerTable.of(24, peers);
        for (int i = 0; i < 5000; i++) {
            assertSame(peers.get(i), table.lookup(ip("10." + (i >> 8) + "." + (i & 0xff) + ".9")));
        }
        assertEquals(5000, table.size());
    }
}
