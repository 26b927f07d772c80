package io.quicbond.server.config;

/**
 * A configuration that cannot be used: invalid JSON, an unknown key, a value of the wrong type or out of range,
 * or a file it names (certificate, key, users) that is missing or broken. The message names the source, the field
 * and the reason, as in {@code "server.json: listen: expected host:port, got 'abc'"}, and is meant to be shown
 * to the operator as is.
 */
public final class ConfigException extends Exception {

    private final String source;
    private final String field;
    private final String reason;

    /**
     * @param source where the configuration came from, usually the file name; may be null
     * @param field  the key, dotted and indexed ({@code egress.allow[2]}); null when the error is about the whole
     * @param reason what is wrong, in words
     */
    public ConfigException(String source, String field, String reason) {
        this(source, field, reason, null);
    }

    public ConfigException(String source, String field, String reason, Throwable cause) {
        super(format(source, field, reason), cause);
        this.source = source;
        this.field = field;
        this.reason = reason;
    }

    /** Where the configuration came from (a file name), or null. */
    public String source() {
        return source;
    }

    /** The key at fault, or null. */
    public String field() {
        return field;
    }

    /** What is wrong, without source and field. */
    public String reason() {
        return reason;
    }

    private static String format(String source, String field, String reason) {
        StringBuilder out = new StringBuilder();
        if (source != null) {
            out.append(source).append(": ");
        }
        if (field != null) {
            out.append(field).append(": ");
        }
        return out.append(reason).toString();
    }
}
