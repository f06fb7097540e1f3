/**
 * Offloads for the TUN ⇄ UDP data path, as pure functions over byte buffers: reading and
 * writing the virtio-net header that an {@code IFF_VNET_HDR} TUN device puts in front of every
 * packet, Internet checksums, splitting a TCP (TSO) or UDP (USO) super-packet read from TUN into
 * whole packets ({@link dev.weft.agent.offload.GsoSegmenter}), and merging received in-order segments of a flow
 * into one super-packet for a single TUN write ({@link dev.weft.agent.offload.TcpCoalescer}).
 *
 * <p>Conventions throughout: absolute indexing (buffer positions and limits are never read or
 * moved), buffers in big-endian order (ByteBuffer's default, network order), and no allocation
 * per packet. Bad packets produce a result code, never an exception; only a caller's programming
 * error (a little-endian buffer, a region outside the buffer) throws.
 */
package dev.weft.agent.offload;
