package io.quicbond.transport.engine;

import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Objects;

/**
 * How to listen for bond connections.
 *
 * @param listen        address and port to bind (UDP)
 * @param alpn          application protocol to accept
 * @param keyStore      holds the server's key and certificate under {@code keyAlias}
 * @param keyPassword   the key's password in the key store
 * @param idleTimeout   QUIC max idle timeout
 * @param receiveWindow per-stream and connection receive buffer in bytes
 */
public record ServerListenSpec(InetSocketAddress listen, String alpn, KeyStore keyStore, String keyAlias,
                               char[] keyPassword, Duration idleTimeout, long receiveWindow) {
    public ServerListenSpec {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(keyAlias, "keyAlias");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }
}
