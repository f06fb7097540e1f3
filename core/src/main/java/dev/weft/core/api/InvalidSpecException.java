package dev.weft.core.api;

/** An OverlayNetwork spec that breaks a rule; {@link #field()} is the spec path, e.g. {@code spec.subnetMin}. */
public class InvalidSpecException extends IllegalArgumentException {
    private final String field;

    public InvalidSpecException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
