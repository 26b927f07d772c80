package io.quicbond.client.ingress.transparent;

import io.quicbond.transport.Destination;
import java.time.Duration;
import java.util.Objects;

/**
 * How the transparent (nftables TPROXY) ingress listens. Immutable.
 *
 * @param port           TCP and UDP port the TPROXY rules send to, on 0.0.0.0 and (with {@code ipv6}) [::];
 *                       default 4435 in the router config
 * @param ipv6           also listen on [::] (IPv6-only sockets beside the IPv4 ones)
 * @param dnsResolver    where intercepted DNS (port 53, TCP and UDP) goes instead of its original destination;
 *                       null keeps the original destination
 * @param udpIdleTimeout a (LAN source, original destination) pair's UDP flow closes after this long with no datagram
 *                       either way
 */
public record TransparentSettings(int port, boolean ipv6, Destination dnsResolver, Duration udpIdleTimeout) {
    public static final int DNS_PORT = 53;

    public TransparentSettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
        if (!udpIdleTimeout.isPositive()) {
            throw new IllegalArgumentException("udp idle timeout must be positive: " + udpIdleTimeout);
        }
    }

    /** Where a flow to {@code original} goes: the DNS resolver for port 53 when one is set, else the original. */
    public Destination route(Destination original) {
        return dnsResolver != null && original.port() == DNS_PORT ? dnsResolver : original;
    }
}
