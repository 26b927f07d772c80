package io.quicbond.transport.compat.vless;

import java.io.IOException;

/**
 * Bytes that are not valid VLESS, Mux.Cool or XUDP: a wrong version, an unknown command, address type or session
 * status, a bad domain name, a length out of range. The connection that sent them is closed; nothing is answered.
 */
public final class VlessProtocolException extends IOException {
    public VlessProtocolException(String message) {
        super(message);
    }
}
