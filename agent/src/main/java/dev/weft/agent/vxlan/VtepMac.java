package dev.weft.agent.vxlan;

import dev.weft.agent.os.MacAddress;
import java.net.Inet4Address;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The MAC of this host's VXLAN device. Flannel draws a random one unless a stored one exists (the
 * Kubernetes store keeps it in a node annotation; with etcd a restart draws anew, so every peer has to
 * relearn it). Weft derives it from what identifies the VTEP, the public IP and the VNI, so it is the
 * same after every restart, with any store: the first 6 bytes of SHA-256("weft-vtep" | IP | VNI), made
 * a locally administered unicast address as Flannel's ({@code b0 = (b0 & 0xfe) | 0x02}).
 */
public final class VtepMac {
    private VtepMac() {
    }

    public static MacAddress derive(Inet4Address publicIp, int vni) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update("weft-vtep".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            sha.update(publicIp.getAddress());
            sha.update(ByteBuffer.allocate(4).putInt(vni).array());
            byte[] mac = new byte[6];
            System.arraycopy(sha.digest(), 0, mac, 0, 6);
            mac[0] = (byte) ((mac[0] & 0xfe) | 0x02);
            return MacAddress.of(mac);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
