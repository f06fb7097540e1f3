package dev.weft.agent.udp;

import dev.weft.core.net.IpAddresses;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Immutable subnet → peer table for the data path. Lookups mask the destination with the network's
 * subnet length and probe an open-addressing table keyed by int: O(1), no allocation, no lock. The
 * backend builds a new table on every lease change and publishes it through a volatile field.
 * Leases whose prefix differs from the subnet length (hand-made reservations) sit in a short list
 * searched only when the masked lookup misses.
 */
final class PeerTable {
    private final int subnetMask;
    private final int[] keys;
    private final Peer[] peers;
    private final int slotMask;
    private final List<Peer> oddSized;
    private final int[] publicIpKeys;
    private final int publicIpSlotMask;
    private final int size;

    private PeerTable(int subnetLength, Collection<Peer> all) {
        this.subnetMask = subnetLength == 0 ? 0 : -1 << (32 - subnetLength);
        int slots = tableSize(all.size());
        this.keys = new int[slots];
        this.peers = new Peer[slots];
        this.slotMask = slots - 1;
        this.oddSized = new ArrayList<>();
        this.publicIpKeys = new int[slots];
        this.publicIpSlotMask = slots - 1;
        for (Peer peer : all) {
            if (peer.subnet().prefixLength() == subnetLength) {
                put(IpAddresses.toInt((java.net.Inet4Address) peer.subnet().address()), peer);
            } else {
                oddSized.add(peer);
            }
            addPublicIp(peer.publicIpInt());
        }
        this.size = all.size();
    }

    static PeerTable of(int subnetLength, Collection<Peer> peers) {
        return new PeerTable(subnetLength, peers);
    }

    static PeerTable empty(int subnetLength) {
        return new PeerTable(subnetLength, List.of());
    }

    int size() {
        return size;
    }

    /** The peer whose subnet holds {@code destination}, or null. */
    Peer lookup(int destination) {
        int key = destination & subnetMask;
        for (int slot = mix(key) & slotMask; ; slot = (slot + 1) & slotMask) {
            Peer peer = peers[slot];
            if (peer == null) {
                break;
            }
            if (keys[slot] == key) {
                return peer;
            }
        }
        for (Peer peer : oddSized) {
            if (peer.subnet().contains(IpAddresses.fromInt(destination))) {
                return peer;
            }
        }
        return null;
    }

    /** Whether some leased peer has this public IP: ingress is accepted only from those. */
    boolean isPeerAddress(int publicIp) {
        // 0 is never a public IP, so it marks empty slots.
        for (int slot = mix(publicIp) & publicIpSlotMask; ; slot = (slot + 1) & publicIpSlotMask) {
            int k = publicIpKeys[slot];
            if (k == 0) {
                return false;
            }
            if (k == publicIp) {
                return true;
            }
        }
    }

    private void put(int key, Peer peer) {
        for (int slot = mix(key) & slotMask; ; slot = (slot + 1) & slotMask) {
            if (peers[slot] == null || keys[slot] == key) {
                keys[slot] = key;
                peers[slot] = peer;
                return;
            }
        }
    }

    private void addPublicIp(int ip) {
        if (ip == 0) {
            return;
        }
        for (int slot = mix(ip) & publicIpSlotMask; ; slot = (slot + 1) & publicIpSlotMask) {
            if (publicIpKeys[slot] == 0 || publicIpKeys[slot] == ip) {
                publicIpKeys[slot] = ip;
                return;
            }
        }
    }

    /** At most half full, so probes stay short and always find an empty slot. */
    private static int tableSize(int entries) {
        int size = 16;
        while (size < entries * 2) {
            size <<= 1;
        }
        return size;
    }

    private static int mix(int key) {
        int h = key * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    @Override
    public String toString() {
        return "PeerTable(" + size + " peers)";
    }
}
