package io.quicbond.client.ingress.socks5;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;

import static java.nio.charset.StandardCharsets.UTF_8;

/**
 * How a {@link Socks5Ingress} listens. Immutable; a {@code null} field takes its default.
 *
 * @param listen           TCP address to listen on; UDP ASSOCIATE binds its UDP sockets on the same local address.
 *                         Default {@code 127.0.0.1:1080}.
 * @param users            username → password. Empty (the default): no authentication (method 0x00). Otherwise
 *                         RFC 1929 username/password (method 0x02) is required.
 * @param handshakeTimeout time a client has to complete greeting, authentication and request; default 10 s
 */
public record Socks5Settings(InetSocketAddress listen, Map<String, String> users, Duration handshakeTimeout) {
    public static final int DEFAULT_PORT = 1080;
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    public Socks5Settings {
        listen = listen != null ? listen : new InetSocketAddress(InetAddress.getLoopbackAddress(), DEFAULT_PORT);
        users = users != null ? Map.copyOf(users) : Map.of();
        handshakeTimeout = handshakeTimeout != null ? handshakeTimeout : DEFAULT_HANDSHAKE_TIMEOUT;
        if (!handshakeTimeout.isPositive()) {
            throw new IllegalArgumentException("handshake_timeout must be positive: " + handshakeTimeout);
        }
        // RFC 1929 §2: ULEN and PLEN are one octet each.
        users.forEach((user, password) -> {
            if (user.isEmpty() || user.getBytes(UTF_8).length > 255
                    || password.getBytes(UTF_8).length > 255) {
                throw new IllegalArgumentException("SOCKS5 username must be 1..255 bytes, password 0..255: " + user);
            }
        });
    }

    /** No authentication, default timeout. */
    public Socks5Settings(InetSocketAddress listen) {
        this(listen, null, null);
    }
}
