package dev.weft.core.lease;

/** The store holds no network config yet. */
public class ConfigNotFoundException extends LeaseStoreException {
    public ConfigNotFoundException(String message) {
        super(message);
    }
}
