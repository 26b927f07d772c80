package io.quicbond.transport;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Objects;

/**
 * Where a flow goes: an IPv4 or IPv6 address or a domain name (resolved at the server), and a port.
 * Immutable; safe to share between threads.
 *
 * @param host  a literal IPv4/IPv6 address or a domain name (1..255 bytes of ASCII)
 * @param port  1..65535 (0 is allowed only for UDP "any" associations)
 */
public record Destination(String host, int port) {

    public enum Kind { IPV4, IPV6, DOMAIN }

    public Destination {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty() || host.length() > 255) {
            throw new IllegalArgumentException("host must be 1..255 characters: " + host.length());
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.indexOf(':') >= 0) {
            host = normalizeIpv6Literal(host);
        }
    }

    /**
     * An IPv6 literal in canonical form; an IPv4-mapped one (::ffff:127.0.0.1) becomes the IPv4 address it is,
     * so that policy checks and the wire encoding see one form only.
     */
    private static String normalizeIpv6Literal(String host) {
        if (!host.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%')) {
            throw new IllegalArgumentException("not an IPv6 address: " + host);
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IPv6 address: " + host);
        }
        return address instanceof Inet6Address ? rfc5952(address.getAddress()) : address.getHostAddress();
    }

    /** The RFC 5952 text form: lower case, no leading zeros, the longest run (2+) of zero groups as "::". */
    static String rfc5952(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    public static Destination of(InetAddress address, int port) {
        return new Destination(address.getHostAddress(), port);
    }

    /** Parses "host:port", "[v6]:port" or "v6-literal" with port given separately. */
    public static Destination parse(String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostAndPort.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got '" + hostAndPort + "'");
        }
        String host = hostAndPort.substring(0, colon);
        if (host.contains(":") && !(host.startsWith("[") && host.endsWith("]"))) {
            throw new IllegalArgumentException("IPv6 addresses need brackets: [addr]:port, got '" + hostAndPort + "'");
        }
        int port;
        try {
            port = Integer.parseInt(hostAndPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + hostAndPort + "'");
        }
        return new Destination(host, port);
    }

    public Kind kind() {
        if (isIpv4Literal(host)) {
            return Kind.IPV4;
        }
        if (host.indexOf(':') >= 0) {
            return Kind.IPV6;
        }
        return Kind.DOMAIN;
    }

    /** The literal address; only for {@link Kind#IPV4} and {@link Kind#IPV6}, never resolves names. */
    public InetAddress literalAddress() {
        if (kind() == Kind.DOMAIN) {
            throw new IllegalStateException("not a literal address: " + host);
        }
        try {
            InetAddress address = InetAddress.getByName(host);
            if (kind() == Kind.IPV4 && !(address instanceof Inet4Address)
                    || kind() == Kind.IPV6 && !(address instanceof Inet6Address)) {
                throw new IllegalStateException("not a literal address: " + host);
            }
            return address;
        } catch (UnknownHostException e) {
            throw new IllegalStateException("not a literal address: " + host, e);
        }
    }

    private static boolean isIpv4Literal(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit) || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return (kind() == Kind.IPV6 ? "[" + host + "]" : host) + ":" + port;
    }
}
