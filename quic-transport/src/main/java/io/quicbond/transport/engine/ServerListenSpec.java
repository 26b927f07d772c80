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
 * @param maxUdpPayload the largest UDP payload sent to a client, which never gets more than its own connection
 *                      asks for (the max_udp_payload_size transport parameter); 0 = the engine's default. Only
 *                      quiche applies it.
 */
public record ServerListenSpec(InetSocketAddress listen, String alpn, KeyStore keyStore, String keyAlias,
                               char[] keyPassword, Duration idleTimeout, long receiveWindow, int maxUdpPayload) {

    /** With the engine's default UDP payload size. */
    public ServerListenSpec(InetSocketAddress listen, String alpn, KeyStore keyStore, String keyAlias,
                            char[] keyPassword, Duration idleTimeout, long receiveWindow) {
        this(listen, alpn, keyStore, keyAlias, keyPassword, idleTimeout, receiveWindow, 0);
    }

    public ServerListenSpec {
        if (maxUdpPayload != 0 && (maxUdpPayload < ClientLinkSpec.MIN_UDP_PAYLOAD
                || maxUdpPayload > ClientLinkSpec.MAX_UDP_PAYLOAD)) {
            throw new IllegalArgumentException("maxUdpPayload must be 0 or " + ClientLinkSpec.MIN_UDP_PAYLOAD + ".."
                    + ClientLinkSpec.MAX_UDP_PAYLOAD + ", got " + maxUdpPayload);
        }
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(keyStore, "keyStore");
        Objects.requireNonNull(keyAlias, "keyAlias");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
    }
}
