package dev.weft.core.lease;

/** The lease was deleted, expired or taken by another holder since it was read. */
public class LeaseLostException extends LeaseStoreException {
    public LeaseLostException(String message) {
        super(message);
    }
}
