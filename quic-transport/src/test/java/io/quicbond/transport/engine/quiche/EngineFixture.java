package io.quicbond.transport.engine.quiche;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A server and a client link on loopback, over any two engines, and the exchanges the engine tests run on them. */
final class EngineFixture implements AutoCloseable {
    static final ServerIdentity IDENTITY = ServerIdentity.generate(List.of("quicbond"));
    static final String ALPN = "test/1";
    static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    final QuicListener listener;
    final QuicLink client;
    final QuicLink server;
    final LinkedBlockingQueue<LinkStream> serverStreams = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<byte[]> serverDatagrams = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<byte[]> clientDatagrams = new LinkedBlockingQueue<>();

    EngineFixture(QuicEngine serverEngine, QuicEngine clientEngine) throws Exception {
        LinkedBlockingQueue<QuicLink> accepted = new LinkedBlockingQueue<>();
        listener = serverEngine.listen(listenSpec(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)), link -> {
            link.onPeerStream(serverStreams::add);
            link.onDatagram(serverDatagrams::add);
            accepted.add(link);
        });
        try {
            client = clientEngine.connect(clientSpec(listener.localAddress(), IDENTITY));
            client.onDatagram(clientDatagrams::add);
            server = accepted.poll(10, TimeUnit.SECONDS);
            assertNotNull(server, "the server accepted the connection");
        } catch (Exception | Error e) {
            listener.close();
            throw e;
        }
    }

    static ServerListenSpec listenSpec(InetSocketAddress address) {
        return new ServerListenSpec(address, ALPN, IDENTITY.toKeyStore("k", "p".toCharArray()), "k", "p".toCharArray(),
                Duration.ofSeconds(10), 16 << 20);
    }

    static ClientLinkSpec clientSpec(InetSocketAddress server, ServerIdentity pinned) {
        return new ClientLinkSpec(server, InetAddress.getLoopbackAddress(), null, ALPN,
                CertificatePin.pinningTrustManager(CertificatePin.of(pinned.certificate())), "quicbond",
                Duration.ofSeconds(15), Duration.ofSeconds(10), 16 << 20);
    }

    /**
     * Opens a stream from the client, then sends {@code upBytes} from client to server and {@code downBytes} back
     * at the same time, each side closing its output when done; checks SHA-256 on both ends. Returns the seconds
     * the exchange took.
     */
    double exchange(long upBytes, long downBytes) throws Exception {
        long started = System.nanoTime();
        LinkStream clientStream = client.openStream();
        CompletableFuture<byte[]> upSent = writeAsync(clientStream.output(), upBytes, 11);
        LinkStream serverStream = serverStreams.poll(10, TimeUnit.SECONDS);
        assertNotNull(serverStream, "the server saw the client's stream");
        CompletableFuture<byte[]> downSent = writeAsync(serverStream.output(), downBytes, 22);
        CompletableFuture<Digest> upReceived = readAsync(serverStream.input());
        CompletableFuture<Digest> downReceived = readAsync(clientStream.input());
        Digest up = upReceived.get(120, TimeUnit.SECONDS);
        Digest down = downReceived.get(120, TimeUnit.SECONDS);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(upBytes, up.bytes(), "bytes client to server");
        assertEquals(downBytes, down.bytes(), "bytes server to client");
        assertArrayEquals(upSent.get(10, TimeUnit.SECONDS), up.sha256(), "SHA-256 client to server");
        assertArrayEquals(downSent.get(10, TimeUnit.SECONDS), down.sha256(), "SHA-256 server to client");
        return seconds;
    }

    /** Sends a few datagrams of the largest size each way and checks they arrive; one byte more is refused. */
    void datagramsBothWays() throws Exception {
        checkDatagrams(client, serverDatagrams, "client to server");
        checkDatagrams(server, clientDatagrams, "server to client");
    }

    private static void checkDatagrams(QuicLink from, LinkedBlockingQueue<byte[]> arrivals, String direction)
            throws Exception {
        int max = from.maxDatagramPayload();
        assertTrue(max >= 1000, direction + ": datagrams negotiated, max " + max);
        List<byte[]> sent = new ArrayList<>();
        Random random = new Random(max);
        List<byte[]> got = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            byte[] payload = new byte[i == 0 ? max : 1 + random.nextInt(max)];
            random.nextBytes(payload);
            payload[0] = (byte) i;
            sent.add(payload);
            // Datagrams are unreliable, even on a loaded loopback: like any datagram user, send again until one
            // copy arrives (at most 5 tries); what is checked is that each size can be carried intact.
            byte[] d = null;
            for (int attempt = 0; attempt < 5 && d == null; attempt++) {
                assertTrue(from.sendDatagram(payload), direction + ": datagram " + i + " of " + payload.length + " B accepted");
                d = arrivals.poll(1, TimeUnit.SECONDS);
            }
            assertNotNull(d, direction + ": datagram " + i + " of " + payload.length + " B never arrived in 5 tries");
            got.add(d);
            arrivals.clear();
        }
        for (byte[] d : got) {
            assertArrayEquals(sent.get(d[0]), d, direction + ": datagram " + d[0] + " intact");
        }
        assertTrue(got.stream().anyMatch(d -> d.length == max), direction + ": the " + max + "-byte datagram arrived");
        assertTrue(!from.sendDatagram(new byte[max + 1]), direction + ": " + (max + 1) + " B must be refused");
    }

    /** The server closes with an application code; the client's blocked read fails and the code is known by then. */
    void serverCloseCodeReachesTheClient() throws Exception {
        LinkStream stream = client.openStream();
        stream.output().write(new byte[]{42});
        LinkStream atServer = serverStreams.poll(10, TimeUnit.SECONDS);
        assertNotNull(atServer, "the server saw the client's stream");
        assertEquals(42, atServer.input().read());
        CompletableFuture<String> clientClosed = new CompletableFuture<>();
        client.onClosed(clientClosed::complete);
        server.close(7, "go away");
        try {
            int b = stream.input().read();
            throw new AssertionError("read returned " + b + " on a closed connection");
        } catch (java.io.IOException expected) {
            // kwik may fail the read a moment before it reports the close frame's code: allow it that moment.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (client.peerCloseCode() != 7 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(7, client.peerCloseCode(), "peer close code after the read failed: " + expected);
        }
        String reason = clientClosed.get(5, TimeUnit.SECONDS);
        assertTrue(reason.contains("7") && reason.contains("go away"), reason);
    }

    record Digest(long bytes, byte[] sha256) {
    }

    /** Writes {@code bytes} of pseudo-random data (cheap: slices of one random pool) and closes; returns their SHA-256. */
    static CompletableFuture<byte[]> writeAsync(OutputStream out, long bytes, long seed) {
        return CompletableFuture.supplyAsync(() -> {
            try (out) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] pool = new byte[(1 << 20) + 7];
                new Random(seed).nextBytes(pool);
                int block = 37_000;
                int offset = 0;
                long left = bytes;
                while (left > 0) {
                    int n = (int) Math.min(left, block);
                    if (offset + n > pool.length) {
                        offset = (offset + n) % (pool.length - block);
                    }
                    out.write(pool, offset, n);
                    sha.update(pool, offset, n);
                    offset += n;
                    left -= n;
                }
                return sha.digest();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
    }

    static CompletableFuture<Digest> readAsync(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                byte[] buffer = new byte[50_000];
                long total = 0;
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    sha.update(buffer, 0, n);
                    total += n;
                }
                return new Digest(total, sha.digest());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
    }

    @Override
    public void close() {
        client.close(0, "done");
        listener.close();
    }
}
