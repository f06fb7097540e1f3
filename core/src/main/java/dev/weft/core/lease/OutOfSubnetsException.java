package dev.weft.core.lease;

/** Every subnet in [SubnetMin, SubnetMax] is leased. */
public class OutOfSubnetsException extends LeaseStoreException {
    public OutOfSubnetsException(String message) {
        super(message);
    }
}
