package io.quicbond.transport;

import java.io.IOException;

/** Thrown by a flow's streams when the flow was reset, by the far end or the bond; carries the reason. */
public class FlowResetException extends IOException {
    private final FlowError reason;

    public FlowResetException(FlowError reason, String message) {
        super("flow reset (" + reason + "): " + message);
        this.reason = reason;
    }

    public FlowError reason() {
        return reason;
    }
}
