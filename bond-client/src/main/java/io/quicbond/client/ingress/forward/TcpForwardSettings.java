package io.quicbond.client.ingress.forward;

import io.quicbond.transport.Destination;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * How a {@link TcpForwardIngress} listens and where it forwards. Immutable.
 *
 * @param listen      TCP address to listen on; required (no default: a forward is always explicit)
 * @param destination where every connection goes; required
 */
public record TcpForwardSettings(InetSocketAddress listen, Destination destination) {
    public TcpForwardSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(destination, "destination");
        if (destination.port() == 0) {
            throw new IllegalArgumentException("forward destination needs a port: " + destination);
        }
    }
}
