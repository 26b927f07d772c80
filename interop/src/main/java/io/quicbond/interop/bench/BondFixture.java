package io.quicbond.interop.bench;

import io.quicbond.server.egress.EgressPolicy;
import io.quicbond.server.egress.SocketEgress;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.frame.FrameCodec;
import io.quicbond.transport.scheduler.FlowClassifier;
import io.quicbond.transport.session.BondClient;
import io.quicbond.transport.session.BondServer;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.session.SessionAuthenticator;
import io.quicbond.transport.session.UplinkSpec;
import io.quicbond.transport.session.UplinkTuning;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A bond server and client for local demos and benchmarks, wired as a deployment would be: kwik engine, a fresh
 * EC identity pinned by the client, one user with an in-memory secret, and socket egress whose policy also
 * allows loopback (127.0.0.0/8) so that the "internet" can be a local server.
 */
public final class BondFixture {
    public static final String USER = "demo";
    public static final byte[] SECRET = "quicbond local demo secret".getBytes(StandardCharsets.UTF_8);
    /** Per-connection QUIC receive window, as the bond client asks for it (4 x the flow window). */
    static final long RECEIVE_WINDOW = 16L << 20;
    private static final char[] KEY_PASSWORD = "local".toCharArray();

    private BondFixture() {
    }

    /** A started bond server on {@code listen} (port 0 picks one) and the identity its clients pin. */
    public record Server(BondServer server, ServerIdentity identity) implements AutoCloseable {
        public InetSocketAddress address() {
            return server.localAddress();
        }

        public String pin() {
            return identity.pin();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    public static Server startServer(InetSocketAddress listen, BondSettings settings) throws IOException {
        ServerIdentity identity = ServerIdentity.generate(List.of("localhost", "127.0.0.1"));
        ServerListenSpec spec = new ServerListenSpec(listen, FrameCodec.ALPN, identity.toKeyStore("bond", KEY_PASSWORD),
                "bond", KEY_PASSWORD, Duration.ofSeconds(30), RECEIVE_WINDOW, udpPayload());
        SocketEgress egress = new SocketEgress(EgressPolicy.parse(List.of("127.0.0.0/8"), List.of(), List.of()));
        BondServer server = new BondServer(engine(), spec, BondFixture::authenticate, egress, settings);
        server.start();
        return new Server(server, identity);
    }

    /** A client that pins {@code pin}; add uplinks to it. */
    public static BondClient newClient(String pin, BondSettings settings) {
        return new BondClient(engine(), USER, SECRET,
                CertificatePin.pinningTrustManager(CertificatePin.parse(pin)), "localhost", settings,
                FlowClassifier.always(settings.defaultPolicy()));
    }

    /**
     * The QUIC engine for the demo and the benchmark: system property {@code quicbond.engine} ("quiche", the
     * product's default, or "kwik"; the demo's --engine sets it, the benchmark passes it with --java-opt).
     */
    static io.quicbond.transport.engine.QuicEngine engine() {
        return io.quicbond.transport.engine.QuicEngines.create(
                System.getProperty("quicbond.engine", io.quicbond.transport.engine.QuicEngines.DEFAULT));
    }

    /**
     * The largest UDP payload of the benchmark's connections, both ends: system property {@code quicbond.udpPayload}
     * (passed with --java-opt, as the engine is); 0, the engine's default, when unset.
     */
    static int udpPayload() {
        return Integer.getInteger("quicbond.udpPayload", 0);
    }

    /** A loopback uplink of the benchmark, with the benchmark's UDP payload size. */
    static UplinkSpec uplink(String name, InetSocketAddress server, InetAddress bind) {
        return new UplinkSpec(name, server, bind, null, UplinkTuning.DEFAULT, null, 0, udpPayload());
    }

    static Optional<SessionAuthenticator.AuthenticatedUser> authenticate(String user, byte[] secret,
                                                                        InetSocketAddress from) {
        boolean ok = USER.equals(user) && MessageDigest.isEqual(SECRET, secret);
        return ok ? Optional.of(new SessionAuthenticator.AuthenticatedUser(user, 4, 4096)) : Optional.empty();
    }
}
