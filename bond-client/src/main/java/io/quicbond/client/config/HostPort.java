package io.quicbond.client.config;

import io.quicbond.transport.net.IpLiterals;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A {@code "HOST:PORT"} endpoint from configuration: an IPv4 literal, a bracketed IPv6 literal ({@code [::1]:443})
 * or a DNS name, and a port. Immutable; any thread. Parsing never looks a name up.
 *
 * @param host an IP literal in canonical form (IPv6 without brackets), or a DNS name as written
 * @param port 0..65535 (0 only where a port is picked at bind time, see {@link #parseListen})
 */
public record HostPort(String host, int port) {
    private static final int MAX_NAME = 253;

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
    }

    /**
     * Parses an endpoint to connect to: the host may be a name, the port must be 1..65535.
     *
     * @throws IllegalArgumentException saying what is wrong, e.g. {@code "expected HOST:PORT, got 'x'"}
     */
    public static HostPort parse(String text) {
        HostPort hp = split(text);
        if (hp.port == 0) {
            throw new IllegalArgumentException("port must be 1..65535, got 0 in " + ConfigText.quote(text));
        }
        return hp;
    }

    /**
     * Parses an address to listen on: the host must be an IP literal (nothing is looked up when binding), and port
     * 0 means any free port.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static HostPort parseListen(String text) {
        HostPort hp = split(text);
        if (!hp.isIpLiteral()) {
            throw new IllegalArgumentException("not an IP address: " + ConfigText.quote(hp.host)
                    + " (listen on an address, e.g. 127.0.0.1:1080 or [::1]:1080)");
        }
        return hp;
    }

    private static HostPort split(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("expected HOST:PORT, got ''");
        }
        int colon = text.lastIndexOf(':');
        if (colon < 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + ConfigText.quote(text));
        }
        String host = text.substring(0, colon);
        String portText = text.substring(colon + 1);
        if (portText.length() > 5 || !portText.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad port in " + ConfigText.quote(text) + " (expected 0..65535)");
        }
        int port = Integer.parseInt(portText);
        if (port > 65535) {
            throw new IllegalArgumentException("port out of range in " + ConfigText.quote(text) + " (expected 0..65535)");
        }
        if (host.startsWith("[")) {
            if (!host.endsWith("]") || host.length() < 3) {
                throw new IllegalArgumentException("expected [IPv6]:PORT, got " + ConfigText.quote(text));
            }
            String inner = host.substring(1, host.length() - 1);
            if (inner.indexOf(':') < 0) {
                throw new IllegalArgumentException("brackets are for IPv6 addresses only: " + ConfigText.quote(text));
            }
            return new HostPort(IpLiterals.format(IpLiterals.parse(inner)), port);
        }
        if (host.indexOf(':') >= 0) {
            throw new IllegalArgumentException("IPv6 addresses need brackets, e.g. [2001:db8::1]:443, got "
                    + ConfigText.quote(text));
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("expected HOST:PORT, the host is missing in " + ConfigText.quote(text));
        }
        if (looksNumeric(host)) {
            return new HostPort(IpLiterals.format(IpLiterals.parse(host)), port);
        }
        checkHostName(host);
        return new HostPort(host, port);
    }

    /**
     * Checks a DNS host name: labels of letters, digits, '-' and '_', 1..63 characters, 253 in all, an optional
     * trailing dot. A name of digits and dots only must be a valid IPv4 address.
     *
     * @throws IllegalArgumentException {@code "not a host name: 'x'"}
     */
    static void checkHostName(String host) {
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        if (h.isEmpty() || h.length() > MAX_NAME) {
            throw new IllegalArgumentException("not a host name: " + ConfigText.quote(host));
        }
        for (String label : h.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                throw new IllegalArgumentException("not a host name: " + ConfigText.quote(host));
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                    throw new IllegalArgumentException("not a host name: " + ConfigText.quote(host)
                            + (c > 127 ? " (write international names in their xn-- form)" : ""));
                }
            }
        }
        if (looksNumeric(h)) {
            IpLiterals.parse(h);
        }
    }

    private static boolean looksNumeric(String host) {
        return !host.isEmpty() && host.chars().allMatch(c -> c >= '0' && c <= '9' || c == '.');
    }

    /** A flow destination as an endpoint, IPv6 in its short form ({@code [2001:db8::1]:53}). */
    public static HostPort of(io.quicbond.transport.Destination destination) {
        String host = destination.kind() == io.quicbond.transport.Destination.Kind.IPV6 && IpLiterals.isLiteral(destination.host())
                ? IpLiterals.format(IpLiterals.parse(destination.host())) : destination.host();
        return new HostPort(host, destination.port());
    }

    public boolean isIpLiteral() {
        return IpLiterals.isLiteral(host);
    }

    /**
     * As a socket address: resolved for an IP literal (no lookup), unresolved for a name, so that the name is looked
     * up again at each connection attempt.
     */
    public InetSocketAddress toSocketAddress() {
        return isIpLiteral() ? new InetSocketAddress(IpLiterals.toInetAddress(host), port)
                : InetSocketAddress.createUnresolved(host, port);
    }

    /** {@code host:port}, or {@code [v6]:port}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** A bound socket address in the same form as {@link #toString()}; null gives null. */
    public static String format(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        String host = address.getAddress() != null ? IpLiterals.format(address.getAddress()) : address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
