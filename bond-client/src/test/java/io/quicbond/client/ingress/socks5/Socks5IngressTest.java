package io.quicbond.client.ingress.socks5;

import io.quicbond.client.ingress.Curl;
import io.quicbond.client.ingress.FakeDirectTransport;
import io.quicbond.client.ingress.FakeDirectTransport.FakeUdpFlow;
import io.quicbond.client.ingress.FixtureHttpServer;
import io.quicbond.client.ingress.TcpEchoServer;
import io.quicbond.client.ingress.TcpEchoServer.Mode;
import io.quicbond.client.ingress.UdpEchoServer;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandResponse;
import io.quicbond.client.ingress.socks5.Socks5Message.Greeting;
import io.quicbond.client.ingress.socks5.Socks5Message.PasswordRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.UdpPacket;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.quicbond.client.ingress.socks5.Socks5DecoderTest.bytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Socks5IngressTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final FakeDirectTransport transport = new FakeDirectTransport();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Socks5Ingress ingress;

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
        ingress = closeLater(new Socks5Ingress(
                new Socks5Settings(new InetSocketAddress(LOOPBACK, 0), users, handshakeTimeout), transport));
        ingress.start();
    }

    private void startIngress() throws IOException {
        startIngress(Map.of(), null);
    }

    private Socket proxyConnection() throws IOException {
        var socket = closeLater(new Socket());
        socket.connect(ingress.boundAddress());
        socket.setSoTimeout(5_000);
        return socket;
    }

    /** Greets with no-auth and sends {@code request}; returns the server's reply. */
    private CommandResponse request(Socket socket, CommandRequest request) throws Exception {
        socket.getOutputStream().write(new Greeting(List.of(Greeting.NO_AUTH)).encode());
        assertArrayEquals(bytes(5, 0), socket.getInputStream().readNBytes(2));
        socket.getOutputStream().write(request.encode());
        return Socks5Decoder.readCommandResponse(socket.getInputStream());
    }

    private static String echoOnce(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.UTF_8));
        return new String(socket.getInputStream().readNBytes(text.length()), StandardCharsets.UTF_8);
    }

    @Test
    void javaSocksClientConnectsToIpv4Destination() throws Exception {
        startIngress();
        var echo = closeLater(new TcpEchoServer(Mode.ECHO));
        var socket = closeLater(new Socket(new Proxy(Proxy.Type.SOCKS, ingress.boundAddress())));
        socket.connect(echo.address());
        assertEquals("hello", echoOnce(socket, "hello"));
        // Half-close both ways: the echo server's FIN comes only after ours.
        socket.shutdownOutput();
        assertEquals(-1, socket.getInputStream().read());
        assertEquals(new Destination("127.0.0.1", echo.port()), transport.tcpFlows.getFirst().destination);
    }

    @Test
    void javaSocksClientSendsDomainNameThatTheTransportResolves() throws Exception {
        startIngress();
        var echo = closeLater(new TcpEchoServer(Mode.ECHO));
        var socket = closeLater(new Socket(new Proxy(Proxy.Type.SOCKS, ingress.boundAddress())));
        socket.connect(InetSocketAddress.createUnresolved("localhost", echo.port()));
        assertEquals("by name", echoOnce(socket, "by name"));
        assertEquals(new Destination("localhost", echo.port()), transport.tcpFlows.getFirst().destination);
    }

    @Test
    void handWrittenConnectReachesIpv6Destination() throws Exception {
        startIngress();
        InetAddress v6 = InetAddress.getByName("::1");
        var echo = closeLater(new TcpEchoServer(v6, Mode.ECHO));
        Socket socket = proxyConnection();
        var reply = request(socket, new CommandRequest(Socks5Command.CONNECT, Destination.of(v6, echo.port())));
        assertEquals(Socks5Reply.SUCCEEDED, reply.reply());
        assertEquals("six", echoOnce(socket, "six"));
        assertTrue(InetAddress.getByName(transport.tcpFlows.getFirst().destination.host()) instanceof Inet6Address);
    }

    @Test
    void curlFetchesPageThroughSocks5Hostname() throws Exception {
        startIngress();
        var http = closeLater(new FixtureHttpServer());
        var result = Curl.run("--socks5-hostname", "127.0.0.1:" + ingress.boundAddress().getPort(),
                "http://localhost:" + http.port() + "/hello");
        assertEquals(0, result.exitCode(), result.err());
        assertEquals("hello world", result.out());
        assertEquals(Destination.Kind.DOMAIN, transport.tcpFlows.getFirst().destination.kind());
    }

    @Test
    void curlWithRightPasswordFetchesPageAndWithWrongOneIsTurnedAway() throws Exception {
        startIngress(Map.of("alice", "s3cret"), null);
        var http = closeLater(new FixtureHttpServer());
        String proxy = "127.0.0.1:" + ingress.boundAddress().getPort();
        var good = Curl.run("-x", "socks5h://alice:s3cret@" + proxy, http.url("/hello"));
        assertEquals(0, good.exitCode(), good.err());
        assertEquals("hello world", good.out());
        var bad = Curl.run("-x", "socks5h://alice:wrong@" + proxy, http.url("/hello"));
        assertNotEquals(0, bad.exitCode());
        assertTrue(bad.err().contains("rejected by the SOCKS5 server"), bad.err());
        assertEquals(1, transport.tcpFlows.size());
    }

    @Test
    void wrongPasswordGetsFailureStatusAndClose() throws Exception {
        startIngress(Map.of("alice", "s3cret"), null);
        Socket socket = proxyConnection();
        socket.getOutputStream().write(new Greeting(List.of(Greeting.NO_AUTH, Greeting.PASSWORD)).encode());
        assertArrayEquals(bytes(5, 2), socket.getInputStream().readNBytes(2));
        socket.getOutputStream().write(new PasswordRequest("alice", "s3cres").encode());
        InputStream in = socket.getInputStream();
        assertEquals(1, in.read());
        assertNotEquals(0, in.read());
        assertEquals(-1, in.read());
    }

    @Test
    void noAcceptableMethodGetsFF() throws Exception {
        startIngress(Map.of("alice", "s3cret"), null);
        Socket socket = proxyConnection();
        socket.getOutputStream().write(new Greeting(List.of(Greeting.NO_AUTH)).encode());
        InputStream in = socket.getInputStream();
        assertEquals(5, in.read());
        assertEquals(0xFF, in.read());
        assertEquals(-1, in.read(), "then the server closes");
    }

    @Test
    void flowOpenFailuresMapOntoReplyCodes() throws Exception {
        startIngress();
        int closedPort;
        try (var s = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = s.getLocalPort();
        }
        transport.failing(new Destination("denied.example", 80), FlowError.DENIED)
                .failing(new Destination("slow.example", 80), FlowError.TIMED_OUT)
                .failing(new Destination("bond.example", 80), FlowError.BOND_LOST);
        Map<Destination, Socks5Reply> expected = Map.of(
                new Destination("127.0.0.1", closedPort), Socks5Reply.CONNECTION_REFUSED,
                new Destination("denied.example", 80), Socks5Reply.NOT_ALLOWED,
                new Destination("slow.example", 80), Socks5Reply.HOST_UNREACHABLE,
                new Destination("bond.example", 80), Socks5Reply.NETWORK_UNREACHABLE);
        for (var e : expected.entrySet()) {
            Socket socket = proxyConnection();
            var reply = request(socket, new CommandRequest(Socks5Command.CONNECT, e.getKey()));
            assertEquals(e.getValue(), reply.reply(), e.getKey().toString());
            assertEquals(-1, socket.getInputStream().read(), "closed after a failure reply");
        }
    }

    @Test
    void unknownCommandBindAndUnknownAddressTypeGetTheirReplies() throws Exception {
        startIngress();
        Map<byte[], Integer> cases = Map.of(
                bytes(5, 9, 0, 1, 127, 0, 0, 1, 0, 80), 0x07,
                bytes(5, 2, 0, 1, 127, 0, 0, 1, 0, 80), 0x07,
                bytes(5, 1, 0, 7, 127, 0, 0, 1, 0, 80), 0x08);
        for (var c : cases.entrySet()) {
            Socket socket = proxyConnection();
            socket.getOutputStream().write(bytes(5, 1, 0));
            socket.getInputStream().readNBytes(2);
            socket.getOutputStream().write(c.getKey());
            byte[] reply = socket.getInputStream().readAllBytes();
            assertEquals(5, reply[0]);
            assertEquals((int) c.getValue(), reply[1]);
            assertEquals(10, reply.length, "a full reply with 0.0.0.0:0, then close");
        }
        assertEquals(0, transport.tcpFlows.size());
    }

    @Test
    void slowClientIsClosedAfterTheHandshakeTimeout() throws Exception {
        startIngress(Map.of(), Duration.ofMillis(300));
        Socket socket = proxyConnection();
        long start = System.nanoTime();
        // A byte now and then keeps a per-read timeout happy, but not a deadline for the whole handshake.
        socket.getOutputStream().write(5);
        Thread.sleep(200);
        socket.getOutputStream().write(1);
        assertEquals(-1, socket.getInputStream().read());
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(elapsed >= 250 && elapsed < 3_000, "closed after " + elapsed + " ms");
    }

    @Test
    void garbageGreetingIsClosedWithoutReply() throws Exception {
        startIngress();
        Socket socket = proxyConnection();
        socket.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertEquals(-1, socket.getInputStream().read());
    }

    /** Opens a UDP association; returns the relay's UDP address. */
    private InetSocketAddress associate(Socket control) throws Exception {
        var reply = request(control, new CommandRequest(Socks5Command.UDP_ASSOCIATE, new Destination("0.0.0.0", 0)));
        assertEquals(Socks5Reply.SUCCEEDED, reply.reply());
        assertEquals("127.0.0.1", reply.bound().host(), "bound on the listener's address");
        return new InetSocketAddress(reply.bound().literalAddress(), reply.bound().port());
    }

    private static void send(DatagramSocket socket, InetSocketAddress relay, Destination to, String text)
            throws IOException {
        byte[] datagram = new UdpPacket(to, text.getBytes(StandardCharsets.UTF_8)).encode();
        socket.send(new DatagramPacket(datagram, datagram.length, relay));
    }

    private static UdpPacket receive(DatagramSocket socket) throws Exception {
        byte[] buffer = new byte[65535];
        var packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        return Socks5Decoder.decodeUdpPacket(buffer, 0, packet.getLength());
    }

    @Test
    void udpAssociateEchoesThroughOneFlowPerDestination() throws Exception {
        startIngress();
        var echoA = closeLater(new UdpEchoServer("a:"));
        var echoB = closeLater(new UdpEchoServer("b:"));
        Socket control = proxyConnection();
        InetSocketAddress relay = associate(control);
        var client = closeLater(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        client.setSoTimeout(5_000);
        var toA = new Destination("127.0.0.1", echoA.port());
        var toB = new Destination("localhost", echoB.port());
        for (int i = 0; i < 3; i++) {
            send(client, relay, toA, "ping" + i);
            UdpPacket fromA = receive(client);
            assertEquals(toA, fromA.destination(), "the header names the destination as the source");
            assertEquals("a:ping" + i, new String(fromA.payload(), StandardCharsets.UTF_8));
            send(client, relay, toB, "pong" + i);
            UdpPacket fromB = receive(client);
            assertEquals(toB, fromB.destination());
            assertEquals("b:pong" + i, new String(fromB.payload(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of(toA, toB), transport.udpFlows.stream().map(f -> f.destination).toList());

        control.close();
        awaitTrue(() -> transport.udpFlows.stream().allMatch(FakeUdpFlow::isClosed),
                "UDP flows close with the control connection");
    }

    @Test
    void udpDatagramsFromOtherPortsAndFragmentsAreDropped() throws Exception {
        startIngress();
        var echo = closeLater(new UdpEchoServer(""));
        Socket control = proxyConnection();
        InetSocketAddress relay = associate(control);
        var client = closeLater(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        var stranger = closeLater(new DatagramSocket(new InetSocketAddress(LOOPBACK, 0)));
        client.setSoTimeout(5_000);
        stranger.setSoTimeout(500);
        var to = new Destination("127.0.0.1", echo.port());
        send(client, relay, to, "first");
        assertEquals("first", new String(receive(client).payload(), StandardCharsets.UTF_8));

        send(stranger, relay, to, "not yours");
        assertThrows(SocketTimeoutException.class, () -> receive(stranger));

        byte[] fragment = new UdpPacket(to, bytes(1)).encode();
        fragment[2] = 1; // FRAG
        client.send(new DatagramPacket(fragment, fragment.length, relay));
        send(client, relay, to, "after");
        assertEquals("after", new String(receive(client).payload(), StandardCharsets.UTF_8),
                "the fragment got no answer; the next datagram did");
        assertEquals(1, transport.udpFlows.size());
    }

    @Test
    void closingTheIngressClosesItsConnections() throws Exception {
        startIngress();
        var echo = closeLater(new TcpEchoServer(Mode.ECHO));
        Socket socket = proxyConnection();
        request(socket, new CommandRequest(Socks5Command.CONNECT, Destination.of(LOOPBACK, echo.port())));
        ingress.close();
        assertEquals(-1, socket.getInputStream().read());
        assertThrows(IOException.class, () -> new Socket().connect(ingress.boundAddress(), 1_000));
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }
}
