package io.quicbond.client.ingress.http;

import io.quicbond.client.ingress.Curl;
import io.quicbond.client.ingress.FakeDirectTransport;
import io.quicbond.client.ingress.FixtureHttpServer;
import io.quicbond.client.ingress.TcpEchoServer;
import io.quicbond.client.ingress.TcpEchoServer.Mode;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpProxyIngressTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final FakeDirectTransport transport = new FakeDirectTransport();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private HttpProxyIngress ingress;
    private FixtureHttpServer http;

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : closeables.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    private void startIngress(Map<String, String> users, Duration handshakeTimeout) throws IOException {
        http = closeLater(new FixtureHttpServer());
        ingress = closeLater(new HttpProxyIngress(
                new HttpProxySettings(new InetSocketAddress(LOOPBACK, 0), users, handshakeTimeout), transport));
        ingress.start();
    }

    private void startIngress() throws IOException {
        startIngress(Map.of(), null);
    }

    private String proxy() {
        return "http://127.0.0.1:" + ingress.boundAddress().getPort();
    }

    /** Sends raw bytes to the proxy and returns everything it answers until it closes. */
    private String exchange(String request) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(ingress.boundAddress());
            socket.setSoTimeout(5_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static int closedPort() throws IOException {
        try (var s = new ServerSocket(0, 1, LOOPBACK)) {
            return s.getLocalPort();
        }
    }

    @Test
    void curlGetsPageThroughAbsoluteFormRequest() throws Exception {
        startIngress();
        var result = Curl.run("-x", proxy(), http.url("/hello"));
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("hello world", result.out());
    }

    @Test
    void originSeesOriginFormRequestWithoutProxyFields() throws Exception {
        startIngress();
        var result = Curl.run("-x", proxy(), "-H", "Proxy-Connection: keep-alive", "-H", "X-Test: yes",
                http.url("/echo?x=1"));
        assertEquals(0, result.exitCode(), result.err());
        String seen = result.out();
        assertTrue(seen.contains("uri=/echo?x=1\n"), seen);
        assertTrue(seen.contains("host: 127.0.0.1:" + http.port() + "\n"), seen);
        assertTrue(seen.contains("connection: close\n"), seen);
        assertTrue(seen.contains("x-test: yes\n"), seen);
        assertFalse(seen.contains("proxy-connection"), seen);
    }

    @Test
    void postBodyReachesOrigin() throws Exception {
        startIngress();
        var result = Curl.run("-x", proxy(), "--data-binary", "payload=1&more=2", http.url("/echo"));
        assertEquals(0, result.exitCode(), result.err());
        assertTrue(result.out().contains("method=POST\n"), result.out());
        assertTrue(result.out().contains("body=payload=1&more=2\n"), result.out());
    }

    @Test
    void curlTunnelsThroughConnect() throws Exception {
        startIngress();
        var result = Curl.run("-p", "-x", proxy(), http.url("/hello"));
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("hello world", result.out());
        assertEquals(new Destination("127.0.0.1", http.port()), transport.tcpFlows.getFirst().destination);
    }

    @Test
    void bytesSentRightAfterConnectAreNotLost() throws Exception {
        startIngress();
        var echo = closeLater(new TcpEchoServer(Mode.ECHO));
        try (var socket = new Socket()) {
            socket.connect(ingress.boundAddress());
            socket.setSoTimeout(5_000);
            // One write: the proxy reads the head and, in the same buffer, the first tunnel bytes.
            socket.getOutputStream().write(("CONNECT 127.0.0.1:" + echo.port() + " HTTP/1.1\r\n\r\nearly bytes")
                    .getBytes(StandardCharsets.ISO_8859_1));
            socket.shutdownOutput();
            assertEquals("HTTP/1.1 200 Connection established\r\n\r\nearly bytes",
                    new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
        }
    }

    @Test
    void refusedDestinationGets502WithTheReason() throws Exception {
        startIngress();
        int port = closedPort();
        var result = Curl.run("-x", proxy(), "-w", "\n%{http_code}", "http://127.0.0.1:" + port + "/");
        assertTrue(result.out().endsWith("\n502"), result.out());
        assertTrue(result.out().contains("REFUSED"), result.out());

        String response = exchange("CONNECT 127.0.0.1:" + port + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 502 Bad Gateway\r\n"), response);
        var tunnel = Curl.run("-p", "-x", proxy(), "http://127.0.0.1:" + port + "/");
        assertTrue(tunnel.err().contains("502"), tunnel.err());
    }

    @Test
    void deniedGets403AndTimedOutGets504() throws Exception {
        startIngress();
        transport.failing(new Destination("denied.example", 80), FlowError.DENIED)
                .failing(new Destination("slow.example", 443), FlowError.TIMED_OUT);
        String denied = exchange("GET http://denied.example/ HTTP/1.1\r\nHost: denied.example\r\n\r\n");
        assertTrue(denied.startsWith("HTTP/1.1 403 Forbidden\r\n"), denied);
        assertTrue(denied.endsWith("\r\n\r\n403 Forbidden: DENIED: scripted failure for denied.example:80\n"), denied);
        String slow = exchange("CONNECT slow.example:443 HTTP/1.1\r\n\r\n");
        assertTrue(slow.startsWith("HTTP/1.1 504 Gateway Timeout\r\n"), slow);
    }

    @Test
    void malformedAndOriginFormRequestsGet400() throws Exception {
        startIngress();
        assertTrue(exchange("HELLO\r\n\r\n").startsWith("HTTP/1.1 400 Bad Request\r\n"));
        assertTrue(exchange("GET / HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 400 Bad Request\r\n"));
        assertEquals(0, transport.tcpFlows.size());
    }

    @Test
    void headOver64KiBGets431() throws Exception {
        startIngress();
        String response = exchange("GET http://127.0.0.1/ HTTP/1.1\r\nX: " + "a".repeat(70_000) + "\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 431 "), response);
    }

    @Test
    void slowClientGets408AfterTheHandshakeTimeout() throws Exception {
        startIngress(Map.of(), Duration.ofMillis(300));
        try (var socket = new Socket()) {
            socket.connect(ingress.boundAddress());
            socket.setSoTimeout(5_000);
            long start = System.nanoTime();
            socket.getOutputStream().write("GET http://127.0.0.1/ HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(200);
            socket.getOutputStream().write("X-Slow: 1\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(response.startsWith("HTTP/1.1 408 "), response);
            assertTrue(elapsed >= 250 && elapsed < 3_000, "answered after " + elapsed + " ms");
        }
    }

    @Test
    void proxyPasswordIsRequiredAndChecked() throws Exception {
        startIngress(Map.of("alice", "s3cret"), null);
        var good = Curl.run("-x", proxy(), "-U", "alice:s3cret", http.url("/echo"));
        assertEquals(0, good.exitCode(), good.err());
        assertFalse(good.out().contains("proxy-authorization"), "credentials never reach the origin: " + good.out());
        var wrong = Curl.run("-x", proxy(), "-U", "alice:wrong", "-w", "%{http_code}", "-o", "/dev/null",
                http.url("/hello"));
        assertEquals("407", wrong.out());
        String none = exchange("GET " + http.url("/hello") + " HTTP/1.1\r\n\r\n");
        assertTrue(none.startsWith("HTTP/1.1 407 "), none);
        assertTrue(none.contains("\r\nProxy-Authenticate: Basic realm=\"quicbond\""), none);
        assertEquals(1, transport.tcpFlows.size());
    }
}
