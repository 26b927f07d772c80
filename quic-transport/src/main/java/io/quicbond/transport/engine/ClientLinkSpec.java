package io.quicbond.transport.engine;

import io.quicbond.transport.os.SocketPlacement;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import javax.net.ssl.X509TrustManager;

/**
 * How to open one uplink's connection.
 *
 * @param server         where the bond server listens (for this uplink)
 * @param bindAddress    local source address that ties the connection to its WAN; null = any
 * @param bindInterface  interface name, informational; the socket is bound to a device through {@code placement}
 * @param alpn           application protocol, e.g. "quicbond/1"
 * @param trustManager   checks the server's certificate (pinning or CA)
 * @param serverName     SNI host name
 * @param connectTimeout handshake timeout
 * @param idleTimeout    QUIC max idle timeout
 * @param receiveWindow  per-stream and connection receive buffer in bytes
 * @param congestionControl this connection's controller by name ("bbr", "cubic", "reno"); null = the engine's
 *                       default. An engine that lacks the named one uses its own and logs it once.
 * @param placement      SO_MARK and device of the UDP socket (both engines apply it); {@link SocketPlacement#NONE}
 *                       by default
 * @param maxUdpPayload  the largest UDP payload this connection sends, and asks the server to send (the QUIC
 *                       max_udp_payload_size transport parameter); 0 = the engine's default. Only quiche applies it.
 */
public record ClientLinkSpec(InetSocketAddress server, InetAddress bindAddress, String bindInterface, String alpn,
                             X509TrustManager trustManager, String serverName, Duration connectTimeout,
                             Duration idleTimeout, long receiveWindow, String congestionControl,
                             SocketPlacement placement, int maxUdpPayload) {

    /** With the engine's default UDP payload size. */
    public ClientLinkSpec(InetSocketAddress server, InetAddress bindAddress, String bindInterface, String alpn,
                          X509TrustManager trustManager, String serverName, Duration connectTimeout,
                          Duration idleTimeout, long receiveWindow, String congestionControl,
                          SocketPlacement placement) {
        this(server, bindAddress, bindInterface, alpn, trustManager, serverName, connectTimeout, idleTimeout,
                receiveWindow, congestionControl, placement, 0);
    }

    /** With no mark and no device binding. */
    public ClientLinkSpec(InetSocketAddress server, InetAddress bindAddress, String bindInterface, String alpn,
                          X509TrustManager trustManager, String serverName, Duration connectTimeout,
                          Duration idleTimeout, long receiveWindow, String congestionControl) {
        this(server, bindAddress, bindInterface, alpn, trustManager, serverName, connectTimeout, idleTimeout,
                receiveWindow, congestionControl, SocketPlacement.NONE);
    }

    /** With the engine's default congestion controller. */
    public ClientLinkSpec(InetSocketAddress server, InetAddress bindAddress, String bindInterface, String alpn,
                          X509TrustManager trustManager, String serverName, Duration connectTimeout,
                          Duration idleTimeout, long receiveWindow) {
        this(server, bindAddress, bindInterface, alpn, trustManager, serverName, connectTimeout, idleTimeout,
                receiveWindow, null);
    }

    public ClientLinkSpec {
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(alpn, "alpn");
        Objects.requireNonNull(trustManager, "trustManager");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        placement = placement == null ? SocketPlacement.NONE : placement;
        if (maxUdpPayload != 0 && (maxUdpPayload < MIN_UDP_PAYLOAD || maxUdpPayload > MAX_UDP_PAYLOAD)) {
            throw new IllegalArgumentException("maxUdpPayload must be 0 or " + MIN_UDP_PAYLOAD + ".." + MAX_UDP_PAYLOAD
                    + ", got " + maxUdpPayload);
        }
    }

    /** QUIC's smallest allowed datagram (RFC 9000 section 14). */
    public static final int MIN_UDP_PAYLOAD = 1200;
    /** A 9000-byte jumbo frame less IPv4 and UDP headers. */
    public static final int MAX_UDP_PAYLOAD = 8972;
}
