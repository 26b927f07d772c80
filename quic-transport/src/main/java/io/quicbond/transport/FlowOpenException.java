package io.quicbond.transport;

import java.io.IOException;

/** A flow could not be opened; {@link #error()} says why (and maps onto a SOCKS reply or HTTP status). */
public class FlowOpenException extends IOException {
    private final FlowError error;

    public FlowOpenException(FlowError error, String message) {
        super(error + ": " + message);
        this.error = error;
    }

    public FlowOpenException(FlowError error, String message, Throwable cause) {
        super(error + ": " + message, cause);
        this.error = error;
    }

    public FlowError error() {
        return error;
    }
}
