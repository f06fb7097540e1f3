package dev.weft.agent.os;

import java.io.IOException;

/** A libc call failed: says which call, on what, and the errno with its text. */
public class NativeException extends IOException {
    private final int errno;

    /** {@code what} names the call and its subject, e.g. "open /dev/net/tun". */
    public NativeException(String what, int errno) {
        super(what + ": " + Errno.describe(errno));
        this.errno = errno;
    }

    /** For subclasses that compose their own message. */
    protected NativeException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    /** The errno the last call on this thread left, wrapped. */
    static NativeException last(String what) {
        return new NativeException(what, LibC.errno());
    }

    public int errno() {
        return errno;
    }
}
