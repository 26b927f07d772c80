package io.quicbond.client.ingress.http;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

/**
 * How an {@link HttpProxyIngress} listens. Immutable; a {@code null} field takes its default.
 *
 * @param listen           TCP address to listen on; default {@code 127.0.0.1:8080}
 * @param users            username → password. Empty (the default): no authentication. Otherwise every request
 *                         needs {@code Proxy-Authorization: Basic ...} (RFC 7617) or gets 407.
 * @param handshakeTimeout time a client has to send its whole request head; default 10 s
 */
public record HttpProxySettings(InetSocketAddress listen, Map<String, String> users, Duration handshakeTimeout) {
    public static final int DEFAULT_PORT = 8080;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public HttpProxySettings {
        listen = listen != null ? listen : new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT);
        users = users != null ? Map.copyOf(users) : Map.of();
        handshakeTimeout = handshakeTimeout != null ? handshakeTimeout : DEFAULT_HANDSHAKE_TIMEOUT;
        if (!handshakeTimeout.isPositive()) {
            throw new IllegalArgumentException("handshake_timeout must be positive: " + handshakeTimeout);
        }
        // RFC 7617 §2: "a user-id containing a colon character is invalid."
        users.keySet().forEach(user -> {
            if (user.isEmpty() || user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("HTTP proxy username must be non-empty, without ':': " + user);
            }
        });
    }

    /** No authentication, default timeout. */
    public HttpProxySettings(InetSocketAddress listen) {
        this(listen, null, null);
    }
}
