package dev.weft.agent.os;

/**
 * The kernel refused a netlink request. The message names the operation as `ip` would print
 * it, the errno text, and the kernel's extended-ack text when it sent one, e.g.
 * "route add 10.1.0.0/16 dev flannel0: File exists (EEXIST)".
 */
public class NetlinkException extends NativeException {
    private final String operation;
    private final String kernelMessage;

    public NetlinkException(String operation, int errno, String kernelMessage) {
        super(errno, operation + ": " + Errno.describe(errno)
            + (kernelMessage == null || kernelMessage.isEmpty() ? "" : " - kernel says: " + kernelMessage));
        this.operation = operation;
        this.kernelMessage = kernelMessage;
    }

    public String operation() {
        return operation;
    }

    /** The kernel's extended-ack message, or null when it sent none. */
    public String kernelMessage() {
        return kernelMessage;
    }
}
