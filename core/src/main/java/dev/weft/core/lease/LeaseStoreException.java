package dev.weft.core.lease;

/** A lease store operation failed; the message says which and why. */
public class LeaseStoreException extends RuntimeException {
    public LeaseStoreException(String message) {
        super(message);
    }

    public LeaseStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
