package io.quicbond.transport.frame;

/** The peer sent bytes that break the bond protocol; {@link #code()} is what the connection closes with. */
public class BondProtocolException extends Exception {
    private final ErrorCode code;

    public BondProtocolException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
