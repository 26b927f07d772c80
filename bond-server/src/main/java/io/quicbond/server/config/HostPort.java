package io.quicbond.server.config;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A host (IPv4 literal, IPv6 literal or DNS name) and a port, as written in the config: {@code "203.0.113.7:4433"},
 * {@code "[2001:db8::1]:4433"}, {@code "vpn.example.com:4433"}. Parsing never looks a name up in DNS; only
 * {@link #toSocketAddress()} does. Immutable.
 *
 * @param host an IP literal (IPv6 without brackets) or a DNS name, as given
 * @param port 0..65535; 0 means "any free port" where the address is one to listen on
 */
public record HostPort(String host, int port) {

    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern DNS_LABEL = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");
    private static final Pattern DIGITS = Pattern.compile("\\d{1,5}");

    /** @throws IllegalArgumentException if the host is not an IP literal or DNS name, or the port is out of range */
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (!isValidHost(host)) {
            throw new IllegalArgumentException("not an IP address or host name: " + quote(host));
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + port);
        }
    }

    /**
     * Parses {@code host:port}, with IPv6 literals in brackets.
     *
     * @throws IllegalArgumentException with a message such as {@code expected host:port, got 'abc'}
     */
    public static HostPort parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("expected host:port, got null");
        }
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [IPv6]:port, got " + quote(text));
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (!isIpv6Literal(host)) {
                throw new IllegalArgumentException("only an IPv6 address goes in brackets, got " + quote(text));
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("expected host:port, got " + quote(text));
            }
            if (text.indexOf(':') != colon) {
                throw new IllegalArgumentException("an IPv6 address goes in brackets, as in [::1]:4433, got "
                        + quote(text));
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
        }
        if (host.isEmpty()) {
            throw new IllegalArgumentException("expected host:port, the host is missing in " + quote(text)
                    + " (0.0.0.0 or [::] listens on every address)");
        }
        return new HostPort(checkedHost(host, text), parsePort(port, text));
    }

    /**
     * Parses a host with an optional port: {@code host}, {@code host:port}, a bare IPv6 literal, or
     * {@code [IPv6]:port}. Without a port, {@code defaultPort} is used.
     *
     * @throws IllegalArgumentException if the text is neither form
     */
    public static HostPort parseHost(String text, int defaultPort) {
        if (text == null) {
            throw new IllegalArgumentException("expected a host name or IP address, got null");
        }
        if (text.startsWith("[") && text.endsWith("]")) {
            String inner = text.substring(1, text.length() - 1);
            if (!isIpv6Literal(inner)) {
                throw new IllegalArgumentException("only an IPv6 address goes in brackets, got " + quote(text));
            }
            return new HostPort(inner, defaultPort);
        }
        int colons = (int) text.chars().filter(c -> c == ':').count();
        if (text.startsWith("[") || colons == 1) {
            return parse(text);
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException("expected a host name or IP address, got ''");
        }
        return new HostPort(checkedHost(text, text), defaultPort);
    }

    /** Whether the host is 0.0.0.0 or ::, i.e. listening on every address; such a host is no address to connect to. */
    public boolean isWildcard() {
        InetAddress literal = literal(host);
        return literal != null && literal.isAnyLocalAddress();
    }

    /** Whether the host is a loopback literal (127.0.0.0/8, ::1) or the name {@code localhost}. */
    public boolean isLoopback() {
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        InetAddress literal = literal(host);
        return literal != null && literal.isLoopbackAddress();
    }

    /** Whether the host is an IPv6 literal (then written in brackets before a port). */
    public boolean isIpv6() {
        return isIpv6Literal(host);
    }

    /** The host as it appears before {@code :port}: IPv6 literals in brackets. */
    public String hostForUri() {
        return isIpv6() ? "[" + host + "]" : host;
    }

    /**
     * The socket address; a DNS name is resolved here (blocking).
     *
     * @throws UnknownHostException if the name does not resolve
     */
    public InetSocketAddress toSocketAddress() throws UnknownHostException {
        InetAddress literal = literal(host);
        return new InetSocketAddress(literal != null ? literal : InetAddress.getByName(host), port);
    }

    /** {@code host:port}, or {@code [v6]:port}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return hostForUri() + ":" + port;
    }

    private static int parsePort(String port, String whole) {
        if (!DIGITS.matcher(port).matches()) {
            throw new IllegalArgumentException("expected host:port with a port number, got " + quote(whole));
        }
        int value = Integer.parseInt(port);
        if (value > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, got " + value);
        }
        return value;
    }

    private static String checkedHost(String host, String whole) {
        if (!isValidHost(host)) {
            throw new IllegalArgumentException("not an IP address or host name: " + quote(host)
                    + (host.equals(whole) ? "" : " in " + quote(whole)));
        }
        return host;
    }

    static boolean isValidHost(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        if (IPV4.matcher(host).matches()) {
            return literal(host) != null;
        }
        if (host.indexOf(':') >= 0) {
            return isIpv6Literal(host);
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        String[] labels = name.split("\\.", -1);
        for (String label : labels) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        // "1.2.3" or "999.1.1.1" is a mistyped address, not a name: no top-level domain is all digits.
        return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
    }

    private static boolean isIpv6Literal(String host) {
        if (host.indexOf(':') < 0 || host.indexOf('%') >= 0 || host.length() > 45) {
            return false;
        }
        try {
            Inet6Address.ofLiteral(host);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The address of an IP literal; null for a name. Never touches DNS. */
    private static InetAddress literal(String host) {
        try {
            var m = IPV4.matcher(host);
            if (m.matches()) {
                for (int i = 1; i <= 4; i++) {
                    if (Integer.parseInt(m.group(i)) > 255) {
                        return null;
                    }
                }
                return Inet4Address.ofLiteral(host);
            }
            if (isIpv6Literal(host)) {
                return Inet6Address.ofLiteral(host);
            }
        } catch (IllegalArgumentException e) {
            return null;
        }
        return null;
    }

    /** Quotes a value for an error message, cut short and with control characters escaped. */
    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        StringBuilder out = new StringBuilder(cut.length() + 2).append('\'');
        cut.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format(Locale.ROOT, "\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('\'').toString();
    }
}
