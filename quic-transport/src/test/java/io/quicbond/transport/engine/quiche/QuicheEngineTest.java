package io.quicbond.transport.engine.quiche;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.engine.LinkStats;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class QuicheEngineTest {
    private static QuicheEngine engine;

    @BeforeAll
    static void start() {
        engine = new QuicheEngine();
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @Test
    void theNativeLibraryLoadsOnThisMachine() {
        assertEquals(java.util.Optional.empty(), QuicheEngine.availability());
        assertEquals(CongestionControl.BBR, engine.congestionControl());
    }

    @Test
    @Timeout(30)
    void datagramOfTheAdvertisedMaximumArrivesAndOneByteMoreIsRefused() throws Exception {
        try (EngineFixture pair = new EngineFixture(engine, engine)) {
            assertEquals(QuicheEngine.DEFAULT_UDP_PAYLOAD - QuicheLink.DATAGRAM_OVERHEAD,
                    pair.client.maxDatagramPayload());
            InetSocketAddress clientSocket = ((QuicheLink) pair.client).localAddress();
            assertEquals(clientSocket.getPort(), pair.server.peerAddress().getPort(), "the server sees the client's port");
            assertEquals(InetAddress.getLoopbackAddress(), clientSocket.getAddress(), "the client bound its bind address");
            pair.datagramsBothWays();
        }
    }

    @Test
    @Timeout(120)
    void twentyMegabytesEachWayOnOneStreamArriveIntact() throws Exception {
        try (EngineFixture pair = new EngineFixture(engine, engine)) {
            double seconds = pair.exchange(20 << 20, 20 << 20);
            LinkStats stats = pair.client.stats();
            System.out.printf("quiche (%s) 20 MB each way: %.2f s; client %s%n", engine, seconds, stats);
            assertTrue(stats.packetsSent() > 10_000, "packets sent: " + stats);
            assertTrue(stats.bytesSent() > 20 << 20, "bytes sent: " + stats);
            assertTrue(stats.packetsReceived() > 10_000, "packets received: " + stats);
            assertTrue(stats.srttMicros() > 0 && stats.srttMicros() < 1_000_000, "srtt: " + stats);
            assertTrue(stats.cwndBytes() > 0, "cwnd: " + stats);
            assertTrue(stats.packetsLost() >= 0 && stats.deliveryRateBps() >= 0, "loss and rate: " + stats);
        }
    }

    @Test
    @Timeout(30)
    void aServerWhoseKeyIsNotThePinnedOneIsRefused() throws Exception {
        ServerIdentity other = ServerIdentity.generate(List.of("quicbond"));
        try (QuicListener listener = engine.listen(EngineFixture.listenSpec(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), link -> { })) {
            IOException refused = assertThrows(IOException.class,
                    () -> engine.connect(EngineFixture.clientSpec(listener.localAddress(), other)));
            System.out.println("pin mismatch: " + refused.getMessage());
        }
    }

    @Test
    @Timeout(30)
    void closingTheListenerReleasesItsPortAndItsConnections() throws Exception {
        QuicListener listener = engine.listen(EngineFixture.listenSpec(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), link -> { });
        InetSocketAddress bound = listener.localAddress();
        QuicLink client = engine.connect(EngineFixture.clientSpec(bound, EngineFixture.IDENTITY));
        CompletableFuture<String> clientClosed = new CompletableFuture<>();
        client.onClosed(clientClosed::complete);
        listener.close();
        String reason = clientClosed.get(10, TimeUnit.SECONDS);
        assertTrue(reason.contains("server shutting down"), reason);
        try (QuicListener second = engine.listen(EngineFixture.listenSpec(bound), link -> { })) {
            assertEquals(bound.getPort(), second.localAddress().getPort());
        }
    }

    @Test
    @Timeout(30)
    void theServersCloseCodeIsKnownWhenTheClientsReadFails() throws Exception {
        try (EngineFixture pair = new EngineFixture(engine, engine)) {
            LinkStream stream = pair.client.openStream();
            stream.output().write("hello".getBytes());
            LinkStream atServer = pair.serverStreams.poll(10, TimeUnit.SECONDS);
            assertNotNull(atServer);
            assertEquals('h', atServer.input().read());
            CompletableFuture<String> serverClosed = new CompletableFuture<>();
            pair.server.onClosed(serverClosed::complete);
            pair.server.close(7, "go away");
            InputStream in = stream.input();
            IOException failed = assertThrows(IOException.class, in::read);
            assertEquals(7, pair.client.peerCloseCode(), failed.getMessage());
            assertTrue(failed.getMessage().contains("go away"), failed.getMessage());
            assertEquals(-1, pair.server.peerCloseCode());
            assertTrue(serverClosed.get(5, TimeUnit.SECONDS).contains("closed locally"));
            assertThrows(IOException.class, () -> stream.output().write(new byte[10]));
            assertEquals(0, pair.client.maxDatagramPayload());
            assertTrue(!pair.client.sendDatagram(new byte[10]));
        }
    }

    @Test
    @Timeout(60)
    void aReaderThatDoesNotReadHoldsTheWriterBackWithBoundedBuffering() throws Exception {
        try (EngineFixture pair = new EngineFixture(engine, engine)) {
            long total = 48L << 20;
            LinkStream stream = pair.client.openStream();
            CompletableFuture<byte[]> sent = EngineFixture.writeAsync(stream.output(), total, 3);
            LinkStream atServer = pair.serverStreams.poll(10, TimeUnit.SECONDS);
            assertNotNull(atServer);
            // Nobody reads: the server queues at most about READ_PAUSE_BYTES, quiche holds up to the 16 MB stream
            // window, and the writer blocks well before 48 MB.
            Thread.sleep(1500);
            int queued = atServer.input().available();
            assertTrue(queued <= QuicheStream.READ_PAUSE_BYTES + (256 << 10), "queued at the reader: " + queued);
            assertTrue(!sent.isDone(), "the writer must be blocked by flow control");
            EngineFixture.Digest got = EngineFixture.readAsync(atServer.input()).get(50, TimeUnit.SECONDS);
            assertEquals(total, got.bytes());
            org.junit.jupiter.api.Assertions.assertArrayEquals(sent.get(5, TimeUnit.SECONDS), got.sha256());
        }
    }

    @Test
    @Timeout(30)
    void finFromThePeerEndsOnlyTheInput() throws Exception {
        try (EngineFixture pair = new EngineFixture(engine, engine)) {
            LinkStream stream = pair.client.openStream();
            stream.output().write("question".getBytes());
            stream.output().close();
            LinkStream atServer = pair.serverStreams.poll(10, TimeUnit.SECONDS);
            assertNotNull(atServer);
            assertEquals("question", new String(atServer.input().readAllBytes()));
            atServer.output().write("answer".getBytes());
            atServer.output().close();
            assertEquals("answer", new String(stream.input().readAllBytes()));
        }
    }

    @Test
    @Timeout(60)
    void anUplinkSocketCarriesItsMarkAndDeviceUnderEpollAndNio() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "SO_MARK needs CAP_NET_ADMIN (root)");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/ss")),
                "ss (iproute2) is not installed");
        for (boolean epoll : new boolean[]{true, false}) {
            try (QuicheEngine e = new QuicheEngine(CongestionControl.BBR, epoll);
                 QuicListener listener = e.listen(EngineFixture.listenSpec(
                         new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), link -> { })) {
                var plain = EngineFixture.clientSpec(listener.localAddress(), EngineFixture.IDENTITY);
                var placed = new io.quicbond.transport.engine.ClientLinkSpec(plain.server(), plain.bindAddress(), "lo",
                        plain.alpn(), plain.trustManager(), plain.serverName(), plain.connectTimeout(),
                        plain.idleTimeout(), plain.receiveWindow(), null,
                        new io.quicbond.transport.os.SocketPlacement(0x77, "lo"));
                QuicLink client = e.connect(placed);
                try {
                    int port = ((QuicheLink) client).localAddress().getPort();
                    Process ss = new ProcessBuilder("/usr/bin/ss", "-uaen", "sport = :" + port).start();
                    String out = new String(ss.getInputStream().readAllBytes());
                    ss.waitFor();
                    assertTrue(out.contains("fwmark:0x77"), e.ioTransport() + ": " + out);
                    // netty's epoll opens a dual-stack socket: ss shows the IPv4 address in its mapped form.
                    assertTrue(out.contains("127.0.0.1%lo:" + port) || out.contains("[::ffff:127.0.0.1]%lo:" + port),
                            e.ioTransport() + ": " + out);
                } finally {
                    client.close(0, "done");
                }
            }
        }
    }
}
