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
 */
public record ClientLinkSpec(InetSocketAddress server, InetAddress bindAddress, String bindInterface, String alpn,
                             X509TrustManager trustManager, String serverName, Duration connectTimeout,
                             Duration idleTimeout, long receiveWindow, String congestionControl,
                             SocketPlacement placement) {

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
    }
}
