package io.quicbond.client.ingress.transparent;

import io.quicbond.transport.Destination;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
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

    /** The destination a TPROXY socket was addressed to, without the scope of a link-local address (meaningless at the far end). */
    static Destination unscoped(InetSocketAddress original) {
        try {
            return Destination.of(InetAddress.getByAddress(original.getAddress().getAddress()), original.getPort());
        } catch (UnknownHostException e) {
            throw new IllegalStateException("an address of 4 or 16 bytes", e);
        }
    }

    /** Where a flow to {@code original} goes: the DNS resolver for port 53 when one is set, else the original. */
    public Destination route(Destination original) {
        return dnsResolver != null && original.port() == DNS_PORT ? dnsResolver : original;
    }
}
