package dev.weft.agent.os;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The rtattr list of one message (or one nested attribute), by attribute type. Pure. */
public final class RtAttributes {
    /** The kernel's NLA_TYPE_MASK: strips the NESTED and NET_BYTEORDER bits. */
    private static final int TYPE_MASK = 0x3fff;

    private final Map<Integer, ByteBuffer> values;

    private RtAttributes(Map<Integer, ByteBuffer> values) {
        this.values = values;
    }

    /** Parses attributes from {@code offset} to the limit of {@code buffer}. The last one of a type wins. */
    public static RtAttributes parse(ByteBuffer buffer, int offset) {
        Map<Integer, ByteBuffer> values = new LinkedHashMap<>();
        int end = buffer.limit();
        while (end - offset >= Rtnl.RTATTR_HEADER_SIZE) {
            int length = buffer.getShort(offset) & 0xffff;
            int type = buffer.getShort(offset + 2) & TYPE_MASK;
            if (length < Rtnl.RTATTR_HEADER_SIZE || length > end - offset) {
                throw new IllegalArgumentException("malformed attribute type " + type + " at offset " + offset
                    + ": length " + length + ", " + (end - offset) + " bytes left");
            }
            ByteBuffer value = buffer.duplicate().position(offset + Rtnl.RTATTR_HEADER_SIZE).limit(offset + length)
                .slice().order(ByteOrder.nativeOrder());
            values.put(type, value);
            offset += Rtnl.align(length);
        }
        return new RtAttributes(values);
    }

    public boolean has(int type) {
        return values.containsKey(type);
    }

    public Set<Integer> types() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** The raw value bytes, or null when absent. */
    public byte[] bytes(int type) {
        ByteBuffer value = values.get(type);
        if (value == null) {
            return null;
        }
        byte[] bytes = new byte[value.remaining()];
        value.duplicate().get(bytes);
        return bytes;
    }

    public int u32(int type, int absent) {
        ByteBuffer value = values.get(type);
        return value == null || value.remaining() < 4 ? absent : value.getInt(0);
    }

    public int u8(int type, int absent) {
        ByteBuffer value = values.get(type);
        return value == null || value.remaining() < 1 ? absent : value.get(0) & 0xff;
    }

    /** A NUL-terminated string value, or null when absent. */
    public String string(int type) {
        byte[] bytes = bytes(type);
        if (bytes == null) {
            return null;
        }
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    /** A 4- or 16-byte address value, or null when absent. */
    public InetAddress address(int type) {
        byte[] bytes = bytes(type);
        if (bytes == null) {
            return null;
        }
        if (bytes.length != 4 && bytes.length != 16) {
            throw new IllegalArgumentException("attribute type " + type + " holds " + bytes.length
                + " bytes, not an IPv4 or IPv6 address");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The attributes nested inside attribute {@code type}, empty when absent. */
    public RtAttributes nested(int type) {
        ByteBuffer value = values.get(type);
        return value == null ? new RtAttributes(Map.of()) : parse(value, 0);
    }
}
