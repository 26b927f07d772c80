package io.quicbond.interop.bench;

import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bond's QUIC engine on its own, through the same seam the bond uses ({@link QuicEngine}): one connection,
 * one stream per transfer, serving the {@link TrafficServer} protocol, with the bond's receive window and TLS
 * identity. With {@code -Dquicbond.engine=quiche} (the default) it is the raw quiche ceiling, with kwik the same
 * as {@link RawKwik} but through quicbond's engine code (the stall nudger included).
 */
public final class RawEngine {
    private static final Logger LOG = Logger.getLogger(RawEngine.class.getName());
    private static final char[] KEY_PASSWORD = "bench".toCharArray();

    private RawEngine() {
    }

    /** A running server: its listener and the identity clients pin. */
    public record Server(QuicListener listener, ServerIdentity identity) implements AutoCloseable {
        public int port() {
            return listener.localAddress().getPort();
        }

        @Override
        public void close() {
            listener.close();
        }
    }

    /** Listens on {@code listen}; each peer stream is served on a virtual thread. */
    public static Server startServer(InetSocketAddress listen) throws IOException {
        ServerIdentity identity = ServerIdentity.generate(java.util.List.of("localhost", "127.0.0.1"));
        ServerListenSpec spec = new ServerListenSpec(listen, RawKwik.ALPN, identity.toKeyStore("bench", KEY_PASSWORD),
                "bench", KEY_PASSWORD, Duration.ofSeconds(30), BondFixture.RECEIVE_WINDOW, BondFixture.udpPayload());
        QuicEngine engine = BondFixture.engine();
        QuicListener listener = engine.listen(spec, link -> link.onPeerStream(stream ->
                Thread.ofVirtual().name("raw-engine-stream").start(() -> serve(stream))));
        return new Server(listener, identity);
    }

    private static void serve(LinkStream stream) {
        try {
            TrafficServer.serve(stream.input(), stream.output());
            stream.output().close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "raw engine stream ended", e);
        }
    }

    /** Connects, pinning the server's key, and opens one bidirectional stream. */
    public static Duplex connect(InetSocketAddress server, String pin) throws IOException {
        ClientLinkSpec spec = new ClientLinkSpec(server, null, null, RawKwik.ALPN,
                CertificatePin.pinningTrustManager(CertificatePin.parse(pin)), "localhost", Duration.ofSeconds(5),
                Duration.ofSeconds(30), BondFixture.RECEIVE_WINDOW, null, null, BondFixture.udpPayload());
        QuicLink link = BondFixture.engine().connect(spec);
        LinkStream stream = link.openStream();
        return Duplex.of(stream.input(), stream.output(), () -> link.close(0, "done"));
    }
}
