package dev.weft.agent.os;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Gathers the kernel's answer to one request, datagram by datagram: keeps the messages that
 * carry the request's sequence number until the ACK (an NLMSG_ERROR with error 0), the
 * NLMSG_DONE that ends a dump, or an error, which it throws as a {@link NetlinkException}.
 * Messages for other sequence numbers (left over from an abandoned request) are skipped.
 * Pure: fed with bytes, so decoding tests need no socket.
 */
public final class ReplyCollector {
    private final int seq;
    private final Supplier<String> operation;
    private final List<NetlinkMessage> messages = new ArrayList<>();
    private boolean done;

    public ReplyCollector(int seq, Supplier<String> operation) {
        this.seq = seq;
        this.operation = operation;
    }

    /** Feeds one received datagram; returns true once the reply is complete. */
    public boolean accept(ByteBuffer datagram) throws NetlinkException {
        for (NetlinkMessage message : NetlinkMessage.parseAll(datagram)) {
            if (done || message.seq() != seq) {
                continue;
            }
            switch (message.type()) {
                case Rtnl.NLMSG_NOOP -> { }
                case Rtnl.NLMSG_ERROR -> {
                    int error = message.body().getInt(0);
                    if (error != 0) {
                        throw new NetlinkException(operation.get(), -error, extendedAckMessage(message));
                    }
                    done = true;
                }
                case Rtnl.NLMSG_DONE -> {
                    // Since Linux 4.x the DONE of a dump carries the dump's own error code.
                    int error = message.body().remaining() >= 4 ? message.body().getInt(0) : 0;
                    if (error < 0) {
                        throw new NetlinkException(operation.get(), -error, null);
                    }
                    done = true;
                }
                case Rtnl.NLMSG_OVERRUN -> throw new NetlinkException(operation.get(), Errno.ENOBUFS, "netlink overrun");
                default -> messages.add(message);
            }
        }
        return done;
    }

    public boolean isDone() {
        return done;
    }

    /** The data messages received so far (RTM_NEWLINK, RTM_NEWADDR, RTM_NEWROUTE...). */
    public List<NetlinkMessage> messages() {
        return messages;
    }

    /**
     * struct nlmsgerr is {int error; struct nlmsghdr msg;} followed by the echoed request's
     * payload unless NLM_F_CAPPED, then the NLMSGERR_ATTR_* attributes if NLM_F_ACK_TLVS.
     */
    private static String extendedAckMessage(NetlinkMessage error) {
        if ((error.flags() & Rtnl.NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        ByteBuffer body = error.body();
        if (body.remaining() < 4 + Rtnl.NLMSGHDR_SIZE) {
            return null;
        }
        int echoed = (error.flags() & Rtnl.NLM_F_CAPPED) != 0 ? Rtnl.NLMSGHDR_SIZE : body.getInt(4);
        int offset = 4 + Rtnl.align(echoed);
        if (offset > body.limit()) {
            return null;
        }
        return RtAttributes.parse(body, offset).string(Rtnl.NLMSGERR_ATTR_MSG);
    }
}
