package io.quicbond.client.ingress.http;

import io.quicbond.client.ingress.http.HttpRequestHead.Field;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HttpRequestDecoderTest {

    static HttpRequestHead decode(String text) throws Exception {
        return HttpRequestDecoder.decode(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    private static int statusOf(String text) {
        return assertThrows(HttpParseException.class, () -> HttpRequestTarget.of(decode(text))).status();
    }

    @Test
    void absoluteFormRequestRoundTrips() throws Exception {
        String wire = "GET http://example.com:8080/a/b?q=1 HTTP/1.1\r\nHost: example.com:8080\r\n"
                + "User-Agent: test\r\nProxy-Connection: keep-alive\r\n\r\n";
        HttpRequestHead head = decode(wire);
        assertEquals(new HttpRequestHead("GET", "http://example.com:8080/a/b?q=1", "HTTP/1.1", List.of(
                new Field("Host", "example.com:8080"), new Field("User-Agent", "test"),
                new Field("Proxy-Connection", "keep-alive"))), head);
        assertArrayEquals(wire.getBytes(StandardCharsets.ISO_8859_1), head.encode());
        HttpRequestTarget target = HttpRequestTarget.of(head);
        assertEquals(new Destination("example.com", 8080), target.destination());
        assertEquals("/a/b?q=1", target.originForm());
    }

    @Test
    void connectTargetsIpv4Ipv6AndNames() throws Exception {
        assertEquals(new Destination("192.0.2.1", 443),
                HttpRequestTarget.of(decode("CONNECT 192.0.2.1:443 HTTP/1.1\r\n\r\n")).destination());
        HttpRequestTarget v6 = HttpRequestTarget.of(decode("CONNECT [2001:db8::1]:443 HTTP/1.1\r\n\r\n"));
        assertEquals(Destination.Kind.IPV6, v6.destination().kind());
        assertEquals("2001:db8::1", v6.destination().host());
        assertNull(v6.originForm());
        assertEquals(new Destination("example.com", 443),
                HttpRequestTarget.of(decode("CONNECT example.com:443 HTTP/1.1\r\n\r\n")).destination());
    }

    @Test
    void absoluteFormDefaultsToPort80AndPathSlash() throws Exception {
        HttpRequestTarget target = HttpRequestTarget.of(decode("GET HTTP://[::1]?x=1 HTTP/1.0\r\n\r\n"));
        assertEquals(new Destination("::1", 80), target.destination());
        assertEquals("[::1]", target.authority());
        assertEquals("/?x=1", target.originForm());
        assertEquals("/p", HttpRequestTarget.of(decode("GET http://h/p#frag HTTP/1.1\r\n\r\n")).originForm());
    }

    @Test
    void bareLineFeedsAndLeadingEmptyLineAreAccepted() throws Exception {
        HttpRequestHead head = decode("\r\nGET http://h/ HTTP/1.1\nHost:   h  \nX-Empty:\n\n");
        assertEquals(List.of(new Field("Host", "h"), new Field("X-Empty", "")), head.fields());
    }

    @Test
    void decoderLeavesTheBodyInTheStream() throws Exception {
        var in = new ByteArrayInputStream("POST http://h/ HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
                .getBytes(StandardCharsets.ISO_8859_1));
        HttpRequestDecoder.decode(in);
        assertEquals("body", new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void malformedRequestsAre400() {
        List<String> bad = List.of(
                "GET http://h/ HTTP/1.1\r\nHost : h\r\n\r\n",              // space before colon (RFC 9112 §5.1)
                "GET http://h/ HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",       // obs-fold
                "GET http://h/ HTTP/1.1\r\nX: a\rb\r\n\r\n",               // bare CR
                "GET http://h/ HTTP/1.1\r\nX: a\u0000b\r\n\r\n",           // NUL
                "GET http://h/ HTTP/1.1\r\nNoColon\r\n\r\n",
                "GET  http://h/ HTTP/1.1\r\n\r\n",                        // two spaces
                "GET http://h/ HTTP/2.0\r\n\r\n",
                "G(T http://h/ HTTP/1.1\r\n\r\n",
                "GET /origin-form HTTP/1.1\r\nHost: h\r\n\r\n",            // we are a proxy
                "GET https://h/ HTTP/1.1\r\n\r\n",
                "GET http://user@h/ HTTP/1.1\r\n\r\n",
                "GET http://h:99999/ HTTP/1.1\r\n\r\n",
                "GET http://010.0.0.1/ HTTP/1.1\r\n\r\n",                 // octal or decimal?
                "CONNECT h HTTP/1.1\r\n\r\n",                             // no port
                "CONNECT ::1:443 HTTP/1.1\r\n\r\n",                       // IPv6 without brackets
                "CONNECT [::1:443 HTTP/1.1\r\n\r\n",
                "CONNECT [example.com]:443 HTTP/1.1\r\n\r\n",
                "GET http://a]b/ HTTP/1.1\r\n\r\n",
                "CONNECT h:0 HTTP/1.1\r\n\r\n",
                "GET http://h/ HTTP/1.1\r\nHost: h\r\n");                 // ends inside the head
        for (String request : bad) {
            assertEquals(400, statusOf(request), request);
        }
    }

    @Test
    void headOver64KiBIs431() {
        String big = "GET http://h/ HTTP/1.1\r\n" + "X-Filler: " + "a".repeat(70_000) + "\r\n\r\n";
        assertEquals(431, statusOf(big));
    }

    @Test
    void forwardedHeadIsOriginFormWithoutHopByHopFields() throws Exception {
        HttpRequestHead head = decode("GET http://example.com/x HTTP/1.1\r\nHost: evil.example\r\n"
                + "Proxy-Connection: keep-alive\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\n"
                + "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\nAccept: */*\r\n\r\n");
        HttpRequestHead forwarded = HttpProxyIngress.forwardedHead(head, HttpRequestTarget.of(head));
        assertEquals("GET /x HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nConnection: close\r\n\r\n",
                new String(forwarded.encode(), StandardCharsets.ISO_8859_1));
    }

    @Test
    void flowErrorsMapOntoStatuses() {
        assertEquals(403, HttpProxyIngress.statusFor(FlowError.DENIED));
        assertEquals(504, HttpProxyIngress.statusFor(FlowError.TIMED_OUT));
        assertEquals(502, HttpProxyIngress.statusFor(FlowError.REFUSED));
        assertEquals(502, HttpProxyIngress.statusFor(FlowError.DNS_FAILED));
        assertEquals(502, HttpProxyIngress.statusFor(FlowError.BOND_LOST));
    }
}
