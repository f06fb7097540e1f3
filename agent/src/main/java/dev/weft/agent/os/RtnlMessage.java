package dev.weft.agent.os;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Builds one rtnetlink request: an nlmsghdr, one family header (ifinfomsg, ifaddrmsg or rtmsg)
 * and attributes, in native byte order with every attribute padded to 4 bytes. Nested
 * attributes are opened with {@link #beginNested} and closed with {@link #endNested}.
 * Pure: no I/O, so tests compare its bytes with layouts taken from the kernel headers.
 */
public final class RtnlMessage {
    private final int type;
    private final int flags;
    private ByteBuffer buffer = ByteBuffer.allocate(256).order(ByteOrder.nativeOrder());

    private RtnlMessage(int type, int flags) {
        this.type = type;
        this.flags = flags;
        buffer.position(Rtnl.NLMSGHDR_SIZE);
    }

    /** A message of {@code type} (e.g. {@link Rtnl#RTM_NEWROUTE}) with {@code flags} (NLM_F_*). */
    public static RtnlMessage request(int type, int flags) {
        return new RtnlMessage(type, flags);
    }

    public int type() {
        return type;
    }

    public int flags() {
        return flags;
    }

    /** struct ifinfomsg: family, pad, type, index, flags, change (16 bytes). */
    public RtnlMessage ifinfomsg(int family, int deviceType, int index, int ifFlags, int change) {
        ensure(Rtnl.IFINFOMSG_SIZE);
        buffer.put((byte) family).put((byte) 0).putShort((short) deviceType)
            .putInt(index).putInt(ifFlags).putInt(change);
        return this;
    }

    /** struct ifaddrmsg: family, prefixlen, flags, scope, index (8 bytes). */
    public RtnlMessage ifaddrmsg(int family, int prefixLength, int addrFlags, int scope, int index) {
        ensure(Rtnl.IFADDRMSG_SIZE);
        buffer.put((byte) family).put((byte) prefixLength).put((byte) addrFlags).put((byte) scope).putInt(index);
        return this;
    }

    /** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (12 bytes). */
    public RtnlMessage rtmsg(int family, int dstLength, int srcLength, int tos, int table,
                             int protocol, int scope, int routeType, int routeFlags) {
        ensure(Rtnl.RTMSG_SIZE);
        buffer.put((byte) family).put((byte) dstLength).put((byte) srcLength).put((byte) tos)
            .put((byte) table).put((byte) protocol).put((byte) scope).put((byte) routeType)
            .putInt(routeFlags);
        return this;
    }

    /** Any fixed family header given as raw bytes (e.g. ndmsg), padded to 4 bytes. */
    public RtnlMessage header(byte[] bytes) {
        ensure(Rtnl.align(bytes.length));
        buffer.put(bytes);
        pad();
        return this;
    }

    public RtnlMessage attr(int attrType, byte[] value) {
        ensure(Rtnl.align(Rtnl.RTATTR_HEADER_SIZE + value.length));
        buffer.putShort((short) (Rtnl.RTATTR_HEADER_SIZE + value.length)).putShort((short) attrType).put(value);
        pad();
        return this;
    }

    public RtnlMessage attrU8(int attrType, int value) {
        return attr(attrType, new byte[] {(byte) value});
    }

    public RtnlMessage attrU16(int attrType, int value) {
        ensure(8);
        buffer.putShort((short) 6).putShort((short) attrType).putShort((short) value);
        pad();
        return this;
    }

    public RtnlMessage attrU32(int attrType, int value) {
        ensure(8);
        buffer.putShort((short) 8).putShort((short) attrType).putInt(value);
        return this;
    }

    /** A NUL-terminated string, as IFLA_IFNAME and IFLA_INFO_KIND expect. */
    public RtnlMessage attrString(int attrType, String value) {
        byte[] text = value.getBytes(StandardCharsets.UTF_8);
        byte[] withNul = new byte[text.length + 1];
        System.arraycopy(text, 0, withNul, 0, text.length);
        return attr(attrType, withNul);
    }

    /** An IPv4 (4 bytes) or IPv6 (16 bytes) address in network byte order. */
    public RtnlMessage attrAddress(int attrType, InetAddress address) {
        return attr(attrType, address.getAddress());
    }

    /** Opens a nested attribute; returns the mark to pass to {@link #endNested}. */
    public int beginNested(int attrType) {
        ensure(Rtnl.RTATTR_HEADER_SIZE);
        int mark = buffer.position();
        buffer.putShort((short) 0).putShort((short) attrType);
        return mark;
    }

    /** Closes the nested attribute opened at {@code mark}: its length covers all children. */
    public RtnlMessage endNested(int mark) {
        buffer.putShort(mark, (short) (buffer.position() - mark));
        return this;
    }

    /** The finished message with its length, sequence number and port id filled in. */
    public byte[] toBytes(int seq, int portId) {
        int length = buffer.position();
        buffer.putInt(0, length).putShort(4, (short) type).putShort(6, (short) flags)
            .putInt(8, seq).putInt(12, portId);
        byte[] bytes = new byte[length];
        buffer.get(0, bytes);
        return bytes;
    }

    private void pad() {
        while ((buffer.position() & 3) != 0) {
            buffer.put((byte) 0);
        }
    }

    private void ensure(int more) {
        if (buffer.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more))
                .order(ByteOrder.nativeOrder());
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }
    }
}
