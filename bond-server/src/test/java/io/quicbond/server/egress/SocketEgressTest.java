package io.quicbond.server.egress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.net.IpLiterals;
import java.io.IOException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SocketEgressTest {

    private static final EgressPolicy LOOPBACK_ALLOWED =
            EgressPolicy.parse(List.of("127.0.0.0/8"), List.of(), List.of());

    private ServerSocket server;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        toClose.add(server);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    /** Maps names to fixed addresses, as a test DNS would; unknown names do not resolve. */
    private static Resolver fakeDns(Map<String, List<String>> names) {
        return host -> {
            List<String> literals = names.get(host);
            if (literals == null) {
                throw new UnknownHostException(host);
            }
            return literals.stream().map(l -> IpLiterals.toInetAddress(IpLiterals.parse(l))).toList();
        };
    }

    private static Resolver noDns() {
        return host -> {
            throw new AssertionError("no name should be resolved here: " + host);
        };
    }

    private SocketEgress egress(EgressPolicy policy, Resolver resolver) {
        return new SocketEgress(policy, resolver, Duration.ofSeconds(5));
    }

    @Test
    void connectsToAnAllowedAddressWithNoDelay() throws Exception {
        Socket socket = egress(LOOPBACK_ALLOWED, noDns()).connectTcp("alice", new Destination("127.0.0.1", server.getLocalPort()));
        toClose.add(socket);
        Socket accepted = server.accept();
        toClose.add(accepted);

        assertTrue(socket.isConnected());
        assertTrue(socket.getTcpNoDelay());
        socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        assertArrayEquals("ping".getBytes(StandardCharsets.US_ASCII), accepted.getInputStream().readNBytes(4));
    }

    @Test
    void loopbackIsDeniedByDefaultNamingAddressAndRule() {
        FlowOpenException e = assertThrows(FlowOpenException.class, () -> egress(EgressPolicy.defaults(), noDns())
                .connectTcp("alice", new Destination("127.0.0.1", server.getLocalPort())));
        assertEquals(FlowError.DENIED, e.error());
        assertTrue(e.getMessage().contains("127.0.0.1 (built-in loopback 127.0.0.0/8)"), e.getMessage());
    }

    @Test
    void ipv4MappedLoopbackIsDenied() {
        for (String host : List.of("::ffff:127.0.0.1", "::ffff:7f00:1", "0:0:0:0:0:ffff:127.0.0.1")) {
            FlowOpenException e = assertThrows(FlowOpenException.class, () -> egress(EgressPolicy.defaults(), noDns())
                    .connectTcp("alice", new Destination(host, server.getLocalPort())), host);
            assertEquals(FlowError.DENIED, e.error(), host);
            assertTrue(e.getMessage().contains("built-in loopback"), e.getMessage());
        }
    }

    @Test
    void ipv6LoopbackAndMetadataAreDenied() {
        for (String host : List.of("::1", "fd00:ec2::254", "169.254.169.254", "[::1]")) {
            FlowOpenException e = assertThrows(FlowOpenException.class,
                    () -> egress(EgressPolicy.defaults(), noDns()).connectTcp("alice", new Destination(host, 80)), host);
            assertEquals(FlowError.DENIED, e.error(), host);
        }
    }

    @Test
    void aNameResolvingToLoopbackIsDenied() {
        Resolver dns = fakeDns(Map.of("rebind.example", List.of("127.0.0.1")));
        FlowOpenException e = assertThrows(FlowOpenException.class, () -> egress(EgressPolicy.defaults(), dns)
                .connectTcp("alice", new Destination("rebind.example", server.getLocalPort())));
        assertEquals(FlowError.DENIED, e.error());
        assertTrue(e.getMessage().contains("rebind.example") && e.getMessage().contains("127.0.0.1"), e.getMessage());
    }

    @Test
    void numericAndLocalNamesAreJudgedByWhatTheSystemResolverReturns() {
        // The system resolver reads "127.1" and "2130706433" as loopback literals, and "localhost" from /etc/hosts.
        for (String host : List.of("localhost", "127.1", "2130706433")) {
            FlowOpenException e = assertThrows(FlowOpenException.class, () -> new SocketEgress(EgressPolicy.defaults())
                    .connectTcp("alice", new Destination(host, server.getLocalPort())), host);
            assertEquals(FlowError.DENIED, e.error(), host + ": " + e);
        }
    }

    @Test
    void deniedAddressesAreSkippedAndTheAllowedOneIsUsed() throws Exception {
        // 127.0.0.1 stays closed; only 127.0.0.2 is opened, and a server listens there.
        ServerSocket second = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.2"));
        toClose.add(second);
        EgressPolicy policy = EgressPolicy.parse(List.of("127.0.0.2/32"), List.of(), List.of());
        Resolver dns = fakeDns(Map.of("multi.example", List.of("127.0.0.1", "10.0.0.1", "127.0.0.2")));

        Socket socket = egress(policy, dns).connectTcp("alice", new Destination("multi.example", second.getLocalPort()));
        toClose.add(socket);
        assertEquals(InetAddress.getByName("127.0.0.2"), socket.getInetAddress());
        toClose.add(second.accept());
    }

    @Test
    void theNextAllowedAddressIsTriedWhenOneRefuses() throws Exception {
        int port = server.getLocalPort();
        Resolver dns = fakeDns(Map.of("fallback.example", List.of("127.0.0.3", "127.0.0.1")));
        Socket socket = egress(LOOPBACK_ALLOWED, dns).connectTcp("alice", new Destination("fallback.example", port));
        toClose.add(socket);
        assertEquals(InetAddress.getByName("127.0.0.1"), socket.getInetAddress());
        toClose.add(server.accept());
    }

    @Test
    void aClosedPortIsRefused() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = closed.getLocalPort();
        }
        FlowOpenException e = assertThrows(FlowOpenException.class,
                () -> egress(LOOPBACK_ALLOWED, noDns()).connectTcp("alice", new Destination("127.0.0.1", port)));
        assertEquals(FlowError.REFUSED, e.error());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void everyAddressRefusingGivesTheLastErrorWithTheOthersSuppressed() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = closed.getLocalPort();
        }
        Resolver dns = fakeDns(Map.of("down.example", List.of("127.0.0.1", "127.0.0.4")));
        FlowOpenException e = assertThrows(FlowOpenException.class,
                () -> egress(LOOPBACK_ALLOWED, dns).connectTcp("alice", new Destination("down.example", port)));
        assertEquals(FlowError.REFUSED, e.error());
        assertTrue(e.getMessage().contains("127.0.0.4"), e.getMessage());
        assertEquals(1, e.getSuppressed().length);
    }

    @Test
    void anUnknownNameIsDnsFailed() {
        FlowOpenException e = assertThrows(FlowOpenException.class, () -> egress(EgressPolicy.defaults(), fakeDns(Map.of()))
                .connectTcp("alice", new Destination("nowhere.example", 80)));
        assertEquals(FlowError.DNS_FAILED, e.error());
        Resolver empty = host -> List.of();
        e = assertThrows(FlowOpenException.class,
                () -> egress(EgressPolicy.defaults(), empty).openUdp("alice", new Destination("empty.example", 53)));
        assertEquals(FlowError.DNS_FAILED, e.error());
    }

    @Test
    void deniedPortsAreDenied() {
        EgressPolicy policy = EgressPolicy.parse(List.of("127.0.0.0/8"), List.of(), List.of(server.getLocalPort()));
        FlowOpenException e = assertThrows(FlowOpenException.class,
                () -> egress(policy, noDns()).connectTcp("alice", new Destination("127.0.0.1", server.getLocalPort())));
        assertEquals(FlowError.DENIED, e.error());
        assertTrue(e.getMessage().contains("deny_ports " + server.getLocalPort()), e.getMessage());
    }

    @Test
    void malformedLiteralsAndPortZeroFailWithoutDns() {
        FlowOpenException leadingZeros = assertThrows(FlowOpenException.class,
                () -> egress(LOOPBACK_ALLOWED, noDns()).connectTcp("alice", new Destination("010.0.0.1", 80)));
        assertEquals(FlowError.UNREACHABLE, leadingZeros.error());
        // Malformed IPv6 literals never get as far as egress: Destination refuses them when a flow is described.
        for (String host : List.of("fe80::1%lo", "1:2:3")) {
            assertThrows(IllegalArgumentException.class, () -> new Destination(host, 80), host);
        }
        FlowOpenException e = assertThrows(FlowOpenException.class,
                () -> egress(LOOPBACK_ALLOWED, noDns()).openUdp("alice", new Destination("127.0.0.1", 0)));
        assertEquals(FlowError.UNREACHABLE, e.error());
    }

    @Test
    void connectErrorsMapOntoFlowErrors() {
        assertEquals(FlowError.REFUSED, SocketEgress.classify(new ConnectException("Connection refused")));
        assertEquals(FlowError.TIMED_OUT, SocketEgress.classify(new ConnectException("Connection timed out")));
        assertEquals(FlowError.TIMED_OUT, SocketEgress.classify(new SocketTimeoutException("Connect timed out")));
        assertEquals(FlowError.UNREACHABLE, SocketEgress.classify(new NoRouteToHostException("No route to host")));
        assertEquals(FlowError.UNREACHABLE, SocketEgress.classify(new PortUnreachableException()));
        assertEquals(FlowError.UNREACHABLE, SocketEgress.classify(new SocketException("Network is unreachable")));
        assertEquals(FlowError.UNREACHABLE, SocketEgress.classify(new BindException("Cannot assign requested address")));
        assertEquals(FlowError.DNS_FAILED, SocketEgress.classify(new UnknownHostException("x")));
        assertEquals(FlowError.INTERNAL, SocketEgress.classify(new IOException("other")));
    }

    @Test
    void udpEchoThroughAnAllowedSocket() throws Exception {
        DatagramSocket echo = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        toClose.add(echo);
        CompletableFuture<Void> echoed = CompletableFuture.runAsync(() -> {
            try {
                DatagramPacket packet = new DatagramPacket(new byte[1500], 1500);
                echo.setSoTimeout(5_000);
                echo.receive(packet);
                echo.send(new DatagramPacket(packet.getData(), packet.getLength(), packet.getSocketAddress()));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }, Thread::startVirtualThread);
        Resolver dns = fakeDns(Map.of("echo.example", List.of("10.9.9.9", "127.0.0.1")));

        DatagramSocket socket = egress(LOOPBACK_ALLOWED, dns).openUdp("alice", new Destination("echo.example", echo.getLocalPort()));
        toClose.add(socket);
        assertTrue(socket.isConnected());
        assertEquals(new InetSocketAddress("127.0.0.1", echo.getLocalPort()), socket.getRemoteSocketAddress());
        byte[] payload = "hello over udp".getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(payload, payload.length));
        socket.setSoTimeout(5_000);
        DatagramPacket reply = new DatagramPacket(new byte[1500], 1500);
        socket.receive(reply);
        echoed.get(5, TimeUnit.SECONDS);
        assertEquals("hello over udp", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.UTF_8));
    }

    @Test
    void udpToLoopbackIsDeniedByDefault() {
        Resolver dns = fakeDns(Map.of("rebind.example", List.of("127.0.0.1", "::1")));
        FlowOpenException e = assertThrows(FlowOpenException.class,
                () -> egress(EgressPolicy.defaults(), dns).openUdp("alice", new Destination("rebind.example", 53)));
        assertEquals(FlowError.DENIED, e.error());
        assertTrue(e.getMessage().contains("127.0.0.1 (built-in loopback 127.0.0.0/8)")
                && e.getMessage().contains("::1 (built-in loopback ::1/128)"), e.getMessage());
    }

    @Test
    void rejectsNonsensicalTimeouts() {
        assertThrows(IllegalArgumentException.class,
                () -> new SocketEgress(EgressPolicy.defaults(), Resolver.system(), Duration.ZERO));
        assertFalse(new SocketEgress(EgressPolicy.defaults()).policy().allow().iterator().hasNext());
    }
}
