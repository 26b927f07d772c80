package io.quicbond.transport.frame;

/** Connection-level close codes of the bond protocol (QUIC application error codes, docs/protocol.md). */
public enum ErrorCode {
    NO_ERROR(0),
    /** The peer broke the bond protocol (malformed frame, frame out of order). */
    PROTOCOL_VIOLATION(1),
    /** Unknown user or wrong secret. */
    AUTH_FAILED(2),
    /** The session belongs to another user. */
    SESSION_FORBIDDEN(3),
    /** Too many sessions for this user, or the server is full. */
    LIMIT_EXCEEDED(4),
    /** The client speaks a protocol version the server does not. */
    VERSION_MISMATCH(5),
    /** A newer connection of the same uplink replaced this one. */
    REPLACED(6),
    /** The endpoint is shutting down. */
    SHUTDOWN(7),
    /** The link stopped answering probes. */
    LINK_SILENT(8);

    private final int code;

    ErrorCode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static ErrorCode fromCode(long code) {
        for (ErrorCode c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        return PROTOCOL_VIOLATION;
    }
}
