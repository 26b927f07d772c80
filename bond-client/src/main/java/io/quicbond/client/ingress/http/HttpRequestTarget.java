package io.quicbond.client.ingress.http;

import io.quicbond.client.ingress.HostNames;
import io.quicbond.transport.Destination;

/**
 * Where a proxy request goes (RFC 9112 §3.2): the authority-form of CONNECT, or the absolute-form of any other
 * method. Origin-form ({@code GET /path}) is for origin servers, and this is none.
 *
 * @param destination the host and port to open a flow to
 * @param authority   host[:port] as the client wrote it, for the Host header
 * @param originForm  path and query to send upstream; {@code null} for CONNECT
 */
record HttpRequestTarget(Destination destination, String authority, String originForm) {
    private static final String HTTP = "http://";

    static HttpRequestTarget of(HttpRequestHead head) throws HttpParseException {
        if (head.method().equals("CONNECT")) {
            // RFC 9110 §9.3.6: "the request-target consists of only the host name and port number of the tunnel
            // destination, separated by a colon."
            return new HttpRequestTarget(destination(head.target(), -1), head.target(), null);
        }
        String target = head.target();
        if (!target.regionMatches(true, 0, HTTP, 0, HTTP.length())) {
            throw new HttpParseException(400, target.startsWith("/")
                    ? "this is a proxy: the request target must be absolute (http://host/path)"
                    : "only http:// targets can be proxied; use CONNECT for https");
        }
        int authorityEnd = HTTP.length();
        while (authorityEnd < target.length() && "/?#".indexOf(target.charAt(authorityEnd)) < 0) {
            authorityEnd++;
        }
        String authority = target.substring(HTTP.length(), authorityEnd);
        String rest = target.substring(authorityEnd);
        int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        // RFC 9112 §3.2.1: "If the target URI's path component is empty, the client MUST send "/" as the path
        // within the origin-form of request-target."
        String originForm = rest.startsWith("/") ? rest : "/" + rest;
        // RFC 9110 §4.2.1: "The default port is 80."
        return new HttpRequestTarget(destination(authority, 80), authority, originForm);
    }

    /** RFC 3986 §3.2.2: host = IP-literal / IPv4address / reg-name (IPvFuture and zone IDs not accepted). */
    private static boolean isHost(String host) {
        if (host.startsWith("[") && host.endsWith("]") && host.length() > 2) {
            String literal = host.substring(1, host.length() - 1);
            return literal.indexOf(':') >= 0
                    && literal.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        return !host.isEmpty() && host.chars().allMatch(c -> c < 0x7F
                && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=%".indexOf(c) >= 0));
    }

    /** host:port, [v6]:port, or (with a default port) host or [v6]. */
    private static Destination destination(String authority, int defaultPort) throws HttpParseException {
        // RFC 9110 §4.2.4: a sender MUST NOT generate the userinfo subcomponent; we do not pass it on either.
        if (authority.indexOf('@') >= 0) {
            throw new HttpParseException(400, "userinfo in the request target");
        }
        boolean hasPort = authority.startsWith("[") ? authority.contains("]:") : authority.contains(":");
        String hostPort = hasPort || defaultPort < 0 ? authority : authority + ":" + defaultPort;
        String host = hostPort.substring(0, hostPort.lastIndexOf(':') < 0 ? 0 : hostPort.lastIndexOf(':'));
        if (!isHost(host)) {
            throw new HttpParseException(400, "malformed host in '" + authority + "'");
        }
        try {
            Destination d = Destination.parse(hostPort);
            if (HostNames.isAmbiguousIpv4(d.host())) {
                throw new HttpParseException(400, "ambiguous IPv4 address in '" + authority + "'");
            }
            if (d.port() == 0) {
                throw new HttpParseException(400, "port 0 in '" + authority + "'");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new HttpParseException(400, "malformed authority '" + authority + "'");
        }
    }
}
