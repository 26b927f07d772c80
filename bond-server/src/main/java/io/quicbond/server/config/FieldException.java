package io.quicbond.server.config;

/**
 * A value that breaks a rule of the config records, with the key it belongs to; the loader turns it into a
 * {@link ConfigException} naming the file. Message: {@code "field: reason"}.
 */
final class FieldException extends IllegalArgumentException {

    private final String field;
    private final String reason;

    FieldException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    String field() {
        return field;
    }

    String reason() {
        return reason;
    }

    static void check(boolean ok, String field, String reason) {
        if (!ok) {
            throw new FieldException(field, reason);
        }
    }

    static long range(String field, long value, long min, long max) {
        check(value >= min && value <= max, field, "must be " + min + ".." + max + ", got " + value);
        return value;
    }
}
