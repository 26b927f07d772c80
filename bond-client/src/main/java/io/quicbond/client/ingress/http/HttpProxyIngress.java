package io.quicbond.client.ingress.http;

import io.quicbond.client.ingress.DeadlineInputStream;
import io.quicbond.client.ingress.TcpIngress;
import io.quicbond.client.ingress.TcpAcceptor;
import io.quicbond.client.ingress.TcpRelay;
import io.quicbond.client.ingress.http.HttpRequestHead.Field;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * An HTTP/1.1 forward proxy: {@code CONNECT host:port} tunnels, and absolute-form requests
 * ({@code GET http://host:port/path HTTP/1.1}) forwarded in origin-form.
 *
 * <p>One upstream flow per client connection. A forwarded request goes out with {@code Connection: close}, so
 * the origin ends the connection after its response, and the rest of the client connection is relayed raw: this
 * proxy never parses a response nor a second request. A client that reuses the connection anyway talks to the
 * same origin (which must accept the absolute-form, RFC 9112 §3.2.2) until that origin closes.
 *
 * <p>Answers: flow open failures give 403 (DENIED), 504 (TIMED_OUT) or 502 (the others), a malformed request
 * 400, a head over 64 KiB 431, a head not complete within the handshake timeout 408, a missing or wrong password
 * 407, each with a short text body and a close.
 *
 * <p>Threads: one virtual thread accepts; each connection's request head is read on a virtual thread of its own,
 * then a {@link TcpRelay} takes over. No exception escapes a connection.
 */
public final class HttpProxyIngress extends TcpIngress {
    private static final System.Logger LOG = System.getLogger(HttpProxyIngress.class.getName());
    private static final byte[] ESTABLISHED =
            "HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

    private static final Duration LINGER = Duration.ofSeconds(2);
    private static final int LINGER_BYTES = 1 << 20;

    private final HttpProxySettings settings;
    private final FlowTransport transport;

    public HttpProxyIngress(HttpProxySettings settings, FlowTransport transport) {
        super("http-proxy", settings.listen());
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    protected void handle(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        var deadline = new DeadlineInputStream(socket, settings.handshakeTimeout());
        // Buffered: the head is read byte by byte; what is read past it (a body, a TLS ClientHello) stays here
        // and goes to the relay.
        var in = new BufferedInputStream(deadline, 8192);
        OutputStream out = socket.getOutputStream();
        HttpRequestHead head;
        HttpRequestTarget target;
        try {
            head = HttpRequestDecoder.decode(in);
            target = HttpRequestTarget.of(head);
        } catch (HttpParseException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "bad request from " + socket.getRemoteSocketAddress() + ": "
                    + e.getMessage());
            respond(socket, e.status(), e.getMessage(), "");
            return;
        } catch (SocketTimeoutException e) {
            // RFC 9110 §15.5.9: 408 "indicates that the server did not receive a complete request message within
            // the time that it was prepared to wait."
            respond(socket, 408, "request head not complete after " + settings.handshakeTimeout().toMillis() + " ms",
                    "");
            return;
        }
        deadline.clearDeadline();
        if (!authorized(head)) {
            // RFC 9110 §15.5.8: "The proxy MUST send a Proxy-Authenticate header field (Section 11.7.1)
            // containing a challenge applicable to that proxy for the request."
            respond(socket, 407, "proxy authentication required",
                    "Proxy-Authenticate: Basic realm=\"quicbond\", charset=\"UTF-8\"\r\n");
            return;
        }
        TcpFlow flow;
        try {
            flow = transport.openTcp(target.destination());
        } catch (FlowOpenException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> head.method() + " " + target.destination() + " failed: "
                    + e.getMessage());
            respond(socket, statusFor(e.error()), e.getMessage(), "");
            return;
        }
        try {
            if (target.originForm() == null) {
                out.write(ESTABLISHED);
            } else {
                flow.output().write(forwardedHead(head, target).encode());
                flow.output().flush();
            }
        } catch (IOException e) {
            flow.reset(FlowError.RESET);
            throw e;
        }
        new TcpRelay(socket, in, flow).start();
    }

    private boolean authorized(HttpRequestHead head) {
        if (settings.users().isEmpty()) {
            return true;
        }
        String credentials = head.field("Proxy-Authorization").orElse("");
        if (!credentials.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(credentials.substring(6).strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        String expected = colon < 0 ? null : settings.users().get(decoded.substring(0, colon));
        // Constant time, so the answer's timing says nothing about how much of the password was right.
        return expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                decoded.substring(colon + 1).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The request as the origin should see it: origin-form target, Host from the target, no hop-by-hop fields,
     * and {@code Connection: close}.
     */
    static HttpRequestHead forwardedHead(HttpRequestHead head, HttpRequestTarget target) {
        Set<String> drop = new HashSet<>(Set.of("connection", "proxy-connection", "proxy-authorization",
                "keep-alive", "host"));
        // RFC 9110 §7.6.1: "Intermediaries MUST parse a received Connection header field before a message is
        // forwarded and, for each connection-option in this field, remove any header or trailer field(s) from
        // the message with the same name as the connection-option, and then remove the Connection header field
        // itself (or replace it with the intermediary's own control options for the forwarded message)."
        for (Field f : head.fields()) {
            if (f.name().equalsIgnoreCase("Connection")) {
                for (String option : f.value().split(",")) {
                    drop.add(option.strip().toLowerCase(Locale.ROOT));
                }
            }
        }
        List<Field> fields = new ArrayList<>();
        // RFC 9112 §3.2.2: "When a proxy receives a request with an absolute-form of request-target, the proxy
        // MUST ignore the received Host header field (if any) and instead replace it with the host information
        // of the request-target."
        fields.add(new Field("Host", target.authority()));
        for (Field f : head.fields()) {
            if (!drop.contains(f.name().toLowerCase(Locale.ROOT))) {
                fields.add(f);
            }
        }
        fields.add(new Field("Connection", "close"));
        return new HttpRequestHead(head.method(), target.originForm(), head.version(), fields);
    }

    /**
     * DENIED is the proxy's policy refusing: 403. TIMED_OUT: 504, "did not receive a timely response from an
     * upstream server" (RFC 9110 §15.6.5). Everything else is an upstream that could not be reached: 502.
     */
    static int statusFor(FlowError error) {
        return switch (error) {
            case DENIED -> 403;
            case TIMED_OUT -> 504;
            default -> 502;
        };
    }

    private static void respond(Socket socket, int status, String reason, String extraFields) {
        byte[] body = (status + " " + phrase(status) + ": " + reason + "\n").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + phrase(status) + "\r\n"
                + "Content-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + extraFields
                + "Connection: close\r\n\r\n";
        try (socket) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            lingeringClose(socket);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "could not send " + status + ": " + e);
        }
    }

    /**
     * Closing a socket with unread input sends an RST, and an RST can make the client drop our answer unread
     * (RFC 9112 §9.6: "the server's TCP stack will send a reset packet to the client; unfortunately, the reset
     * packet might erase the client's unacknowledged input buffers"). So: FIN first, then read and discard what the
     * client still sends, for a bounded time and amount.
     */
    private static void lingeringClose(Socket socket) throws IOException {
        socket.shutdownOutput();
        try (var in = new DeadlineInputStream(socket, LINGER)) {
            byte[] discard = new byte[8192];
            for (int total = 0, n; total < LINGER_BYTES && (n = in.read(discard)) >= 0; total += n) {
                // discard
            }
        } catch (IOException e) {
            // timed out or reset: the client had its chance
        }
    }

    private static String phrase(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 403 -> "Forbidden";
            case 407 -> "Proxy Authentication Required";
            case 408 -> "Request Timeout";
            case 431 -> "Request Header Fields Too Large";
            case 502 -> "Bad Gateway";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }
}
