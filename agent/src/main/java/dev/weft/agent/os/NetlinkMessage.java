package dev.weft.agent.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One received netlink message: the nlmsghdr fields and its body (everything after the
 * 16-byte header, native byte order, position 0). Pure decoding, no I/O.
 */
public record NetlinkMessage(int type, int flags, int seq, int portId, ByteBuffer body) {

    /**
     * Splits a received datagram into messages. Each message starts 4-byte aligned; a
     * header that claims more bytes than remain is malformed and rejected.
     */
    public static List<NetlinkMessage> parseAll(ByteBuffer datagram) {
        ByteBuffer in = datagram.duplicate().order(ByteOrder.nativeOrder());
        List<NetlinkMessage> messages = new ArrayList<>();
        int offset = in.position();
        int end = in.limit();
        while (end - offset >= Rtnl.NLMSGHDR_SIZE) {
            int length = in.getInt(offset);
            if (length < Rtnl.NLMSGHDR_SIZE || length > end - offset) {
                throw new IllegalArgumentException("malformed netlink message at offset " + offset
                    + ": length " + length + ", " + (end - offset) + " bytes left");
            }
            ByteBuffer body = in.duplicate().position(offset + Rtnl.NLMSGHDR_SIZE).limit(offset + length)
                .slice().order(ByteOrder.nativeOrder());
            messages.add(new NetlinkMessage(in.getShort(offset + 4) & 0xffff, in.getShort(offset + 6) & 0xffff,
                in.getInt(offset + 8), in.getInt(offset + 12), body));
            offset += Rtnl.align(length);
        }
        return messages;
    }

    /** The attributes that follow a family header of {@code headerSize} bytes in the body. */
    public RtAttributes attributes(int headerSize) {
        return RtAttributes.parse(body, Rtnl.align(headerSize));
    }

    public boolean isMulti() {
        return (flags & Rtnl.NLM_F_MULTI) != 0;
    }
}
