package io.quicbond.transport;

/**
 * Why a flow could not be opened or was ended abnormally. The wire code travels in OPEN_RESULT and RESET
 * frames (docs/protocol.md); ingress maps it onto SOCKS reply codes and HTTP statuses.
 */
public enum FlowError {
    /** Closed normally; used to end UDP flows, which have no FIN. */
    CLOSED(0),
    /** The destination refused the connection (TCP RST). */
    REFUSED(1),
    /** No route, host unreachable, or the name did not resolve. */
    UNREACHABLE(2),
    /** The server's egress policy does not allow this destination. */
    DENIED(3),
    /** The destination did not answer in time, or the flow idled out. */
    TIMED_OUT(4),
    /** The far application reset its connection. */
    RESET(5),
    /** A limit (flows per session, buffered bytes) was reached. */
    LIMIT(6),
    /** The peer sent something this end could not parse or that broke the protocol. */
    PROTOCOL(7),
    /** The name could not be resolved at the server. */
    DNS_FAILED(8),
    /** The bond itself went away (session closed, no uplink for too long). */
    BOND_LOST(9),
    /** Anything else. */
    INTERNAL(15);

    private final int code;

    FlowError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static FlowError fromCode(int code) {
        for (FlowError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return INTERNAL;
    }
}
