package dev.weft.agent.os;

import java.net.InetAddress;
import java.nio.ByteBuffer;

/** Hand-built IPv4 packets for tests that put them through a real kernel. */
public final class TestPackets {
    private TestPackets() {
    }

    /** An IPv4 ICMP echo request (TTL 64, DF) with correct checksums. */
    public static byte[] echoRequest(InetAddress source, InetAddress destination, int id, int seq, byte[] data) {
        ByteBuffer packet = ByteBuffer.allocate(20 + 8 + data.length);
        packet.put((byte) 0x45).put((byte) 0).putShort((short) packet.capacity())
            .putShort((short) 0x1234).putShort((short) 0x4000)
            .put((byte) 64).put((byte) 1).putShort((short) 0)
            .put(source.getAddress()).put(destination.getAddress());
        packet.putShort(10, checksum(packet.array(), 0, 20));
        packet.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) id).putShort((short) seq).put(data);
        packet.putShort(22, checksum(packet.array(), 20, 8 + data.length));
        return packet.array();
    }

    private static short checksum(byte[] bytes, int offset, int length) {
        long sum = 0;
        for (int i = 0; i < length; i += 2) {
            int high = bytes[offset + i] & 0xff;
            int low = i + 1 < length ? bytes[offset + i + 1] & 0xff : 0;
            sum += high << 8 | low;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
