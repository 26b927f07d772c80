package io.quicbond.client.ingress.forward;

import io.quicbond.transport.Destination;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link UdpForwardIngress} listens and where it forwards. Immutable.
 *
 * @param listen      UDP address to listen on; required
 * @param destination where every datagram goes; required
 * @param idleTimeout a client source address's flow is closed after this long with no datagram either way;
 *                    {@code null} means the default, 60 s
 */
public record UdpForwardSettings(InetSocketAddress listen, Destination destination, Duration idleTimeout) {
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);

    public UdpForwardSettings {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(destination, "destination");
        idleTimeout = idleTimeout != null ? idleTimeout : DEFAULT_IDLE_TIMEOUT;
        if (destination.port() == 0) {
            throw new IllegalArgumentException("forward destination needs a port: " + destination);
        }
        if (!idleTimeout.isPositive()) {
            throw new IllegalArgumentException("idle_timeout must be positive: " + idleTimeout);
        }
    }

    /** Default idle timeout. */
    public UdpForwardSettings(InetSocketAddress listen, Destination destination) {
        this(listen, destination, null);
    }
}
