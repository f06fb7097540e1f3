package dev.weft.core.config;

/** A network config that breaks a rule; names the field and the value at fault. */
public class InvalidConfigException extends IllegalArgumentException {
    private final String field;

    public InvalidConfigException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The config field at fault, in Flannel's spelling ({@code SubnetLen}, {@code Backend.Type}, ...). */
    public String field() {
        return field;
    }
}
