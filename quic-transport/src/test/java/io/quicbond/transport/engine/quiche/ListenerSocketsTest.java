package io.quicbond.transport.engine.quiche;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoop;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A quiche listener on epoll binds one socket per event loop on one port (SO_REUSEPORT), so that its connections
 * are spread over the cores.
 */
class ListenerSocketsTest {
    private static QuicheEngine engine;

    @BeforeAll
    static void start() {
        engine = new QuicheEngine();
        // This machine has 2 cores and netty's epoll: the multi-socket listener is what runs here.
        assumeTrue(engine.ioTransport().equals("epoll") && engine.listenerSockets() > 1,
                "needs epoll and at least 2 CPUs; here " + engine.ioTransport() + ", "
                        + Runtime.getRuntime().availableProcessors() + " CPU(s)");
    }

    @AfterAll
    static void stop() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    @Timeout(30)
    void theListenerHasOneSocketPerLoopOnOnePortAndCloseReleasesThemAll() throws Exception {
        QuicListener listener = engine.listen(EngineFixture.listenSpec(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), link -> { });
        int port = listener.localAddress().getPort();
        try {
            assertEquals(engine.listenerSockets(), udpSocketsOnPort(port), "sockets bound to port " + port);
        } finally {
            listener.close();
        }
        assertEquals(0, udpSocketsOnPort(port), "sockets left on port " + port + " after close");
    }

    @Test
    @Timeout(120)
    void connectionsFromManyClientsAreSpreadOverTheSocketsAndCarryIntactData() throws Exception {
        LinkedBlockingQueue<QuicLink> accepted = new LinkedBlockingQueue<>();
        QuicListener listener = engine.listen(EngineFixture.listenSpec(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), link -> {
                    link.onPeerStream(ListenerSocketsTest::echo);
                    accepted.add(link);
                });
        List<QuicLink> clients = new ArrayList<>();
        try {
            // The kernel picks a socket by hashing each client's address and port: with 2 sockets, 16 clients
            // all land on one with probability 2^-15.
            for (int i = 0; i < 16; i++) {
                clients.add(engine.connect(EngineFixture.clientSpec(listener.localAddress(), EngineFixture.IDENTITY)));
            }
            Set<EventLoop> loops = new HashSet<>();
            for (int i = 0; i < clients.size(); i++) {
                QuicLink server = accepted.poll(10, TimeUnit.SECONDS);
                assertNotNull(server, "connection " + i + " accepted");
                loops.add(((QuicheLink) server).channel().eventLoop());
            }
            assertTrue(loops.size() > 1, "the 16 connections live on " + loops.size() + " event loop(s)");
            for (QuicLink client : clients) {
                roundTrip(client, 300_000);
            }
        } finally {
            clients.forEach(c -> c.close(0, "done"));
            listener.close();
        }
    }

    /** Sends everything back and closes. */
    private static void echo(LinkStream stream) {
        Thread.ofVirtual().start(() -> {
            try (var out = stream.output()) {
                stream.input().transferTo(out);
            } catch (IOException e) {
                // The test's reader sees the missing bytes.
            }
        });
    }

    /** Sends {@code bytes} on a new stream of {@code client} and checks that the echo brings back the same. */
    private static void roundTrip(QuicLink client, long bytes) throws Exception {
        LinkStream stream = client.openStream();
        CompletableFuture<byte[]> sent = EngineFixture.writeAsync(stream.output(), bytes, bytes);
        EngineFixture.Digest back = EngineFixture.readAsync(stream.input()).get(60, TimeUnit.SECONDS);
        assertEquals(bytes, back.bytes(), "bytes echoed");
        assertArrayEquals(sent.get(10, TimeUnit.SECONDS), back.sha256(), "SHA-256 of the echo");
    }

    /**
     * How many UDP sockets are bound to {@code port}, from the local-address column of /proc/net/udp and udp6
     * (netty's epoll sockets are dual-stack IPv6 sockets).
     */
    private static int udpSocketsOnPort(int port) throws IOException {
        String suffix = ":" + String.format(Locale.ROOT, "%04X", port);
        int count = 0;
        for (String table : List.of("/proc/net/udp", "/proc/net/udp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] columns = line.trim().split("\\s+");
                if (columns.length > 1 && columns[1].endsWith(suffix)) {
                    count++;
                }
            }
        }
        return count;
    }
}
