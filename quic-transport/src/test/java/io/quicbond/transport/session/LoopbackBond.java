package io.quicbond.transport.session;

import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.frame.FrameCodec;
import io.quicbond.transport.scheduler.FlowClassifier;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** A bond server and client on loopback, built in-process, for end-to-end tests of the transport. */
final class LoopbackBond implements AutoCloseable {
    /**
     * Test code runs its peers on virtual threads: the common pool has one worker on a 2-core machine, and two
     * blocking peers queued on it deadlock.
     */
    static final java.util.concurrent.ExecutorService THREADS = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
    static final String USER = "alice";
    static final byte[] SECRET = "correct horse battery staple".getBytes(StandardCharsets.UTF_8);
    private static final ServerIdentity IDENTITY = ServerIdentity.generate(List.of("localhost", "127.0.0.1"));

    final BondServer server;
    final BondClient client;

    LoopbackBond(int uplinks, BondSettings settings) throws Exception {
        this(EngineUnderTest.KWIK, uplinks, settings);
    }

    LoopbackBond(EngineUnderTest engine, int uplinks, BondSettings settings) throws Exception {
        this(engine, uplinks, settings, FlowClassifier.always(settings.defaultPolicy()));
    }

    /** Client and server each on an engine of their own of the given kind, as two processes would be. */
    LoopbackBond(EngineUnderTest engine, int uplinks, BondSettings settings, FlowClassifier classifier) throws Exception {
        server = newServer(engine, settings);
        client = new BondClient(engine.create(), USER, SECRET,
                CertificatePin.pinningTrustManager(CertificatePin.of(IDENTITY.certificate())), "localhost", settings,
                classifier);
        for (int i = 0; i < uplinks; i++) {
            client.addUplink(new UplinkSpec("link" + i, new InetSocketAddress(InetAddress.getLoopbackAddress(),
                    server.localAddress().getPort()), null, null, true));
        }
        if (!client.awaitUplinks(uplinks, Duration.ofSeconds(20))) {
            throw new IllegalStateException("uplinks did not come up: " + client.status());
        }
    }

    /** A started bond server on loopback (port chosen by the OS) that knows {@link #USER}. */
    static BondServer newServer(EngineUnderTest engine, BondSettings settings) throws Exception {
        return newServer(engine, settings, listenSpec());
    }

    /** As {@link #newServer(EngineUnderTest, BondSettings)}, listening as {@code listen} says. */
    static BondServer newServer(EngineUnderTest engine, BondSettings settings, ServerListenSpec listen)
            throws Exception {
        return newServer(engine, settings, listen, new FakeDirectEgress());
    }

    /** As {@link #newServer(EngineUnderTest, BondSettings)}, with this egress. */
    static BondServer newServer(EngineUnderTest engine, BondSettings settings, ServerListenSpec listen,
                                io.quicbond.transport.EgressConnector egress) throws Exception {
        BondServer server = new BondServer(engine.create(), listen, LoopbackBond::authenticate, egress, settings);
        server.start();
        return server;
    }

    /** A client that pins {@code pinned} and logs in as {@link #USER} with {@code secret}; no uplinks yet. */
    static BondClient newClient(EngineUnderTest engine, BondSettings settings, ServerIdentity pinned, byte[] secret) {
        return new BondClient(engine.create(), USER, secret,
                CertificatePin.pinningTrustManager(CertificatePin.of(pinned.certificate())), "localhost", settings,
                FlowClassifier.always(settings.defaultPolicy()));
    }

    /** Echoes one connection on {@code echo} back to its sender (a virtual thread), then half-closes it. */
    static void echoOnce(java.net.ServerSocket echo) {
        Thread.ofVirtual().start(() -> {
            try (java.net.Socket s = echo.accept()) {
                s.getInputStream().transferTo(s.getOutputStream());
                s.shutdownOutput();
            } catch (Exception ignored) {
                // the test fails on the bytes
            }
        });
    }

    /** Writes {@code data} into {@code flow} and closes its output; returns what came back up to the far end's FIN. */
    static byte[] roundTrip(io.quicbond.transport.TcpFlow flow, byte[] data, long timeoutSeconds) throws Exception {
        var back = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (java.io.InputStream in = flow.input()) {
                return in.readAllBytes();
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
        try (java.io.OutputStream out = flow.output()) {
            out.write(data);
        }
        return back.get(timeoutSeconds, java.util.concurrent.TimeUnit.SECONDS);
    }

    static ServerListenSpec listenSpec() {
        return new ServerListenSpec(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), FrameCodec.ALPN,
                IDENTITY.toKeyStore("bond", "pw".toCharArray()), "bond", "pw".toCharArray(), Duration.ofSeconds(30), 16 << 20);
    }

    static ServerIdentity identity() {
        return IDENTITY;
    }

    static Optional<SessionAuthenticator.AuthenticatedUser> authenticate(String user, byte[] secret, InetSocketAddress from) {
        boolean ok = USER.equals(user) && MessageDigest.isEqual(SECRET, secret);
        return ok ? Optional.of(new SessionAuthenticator.AuthenticatedUser(user, 4, 4096)) : Optional.empty();
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    @Override
    public void close() {
        client.close();
        server.close();
        EngineUnderTest.closeAll();
    }

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }

    static boolean sameHash(byte[] a, byte[] b) throws Exception {
        return Arrays.equals(sha256(a), sha256(b));
    }

    /** What a {@link #hashingSink} read from the one connection it accepted. */
    record Received(long bytes, byte[] sha256, java.net.SocketAddress from) {
        /** Fails with the byte count and the sender's address when {@code expected} is not what arrived. */
        void assertIs(byte[] expected) throws Exception {
            org.junit.jupiter.api.Assertions.assertEquals(expected.length, bytes, "bytes received from " + from);
            org.junit.jupiter.api.Assertions.assertArrayEquals(LoopbackBond.sha256(expected), sha256,
                    "SHA-256 of the " + bytes + " bytes received from " + from);
        }
    }

    /** A sink that counts and hashes everything it receives on one connection. */
    static java.util.concurrent.CompletableFuture<Received> hashingSink(java.net.ServerSocket server) {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try (java.net.Socket s = server.accept(); java.io.InputStream in = s.getInputStream()) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[65536];
                long total = 0;
                int n;
                while ((n = in.read(buf)) >= 0) {
                    md.update(buf, 0, n);
                    total += n;
                }
                return new Received(total, md.digest(), s.getRemoteSocketAddress());
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, THREADS);
    }
}
