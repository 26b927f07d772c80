package io.quicbond.transport.engine.kwik;

import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.engine.ServerListenSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.log.Logger;
import tech.kwik.core.log.NullLogger;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnection;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

/**
 * kwik (pure Java QUIC) as the bond's engine. Workarounds for kwik 0.10.9 live in this package:
 * {@link ResilientDatagramSocket} (System.exit on socket errors), {@link NudgingOutputStream} (stream stall),
 * {@link KwikLink#DATAGRAM_AEAD_OVERSTATEMENT} (datagram size). See docs/operations.md, "kwik workarounds".
 */
public final class KwikEngine implements QuicEngine {

    static {
        // kwik 0.10.9's LossDetector asserts that its time threshold (9/8 of the RTT, in whole milliseconds) is
        // positive, but does not floor it at kGranularity as RFC 9002 section 6.1.2 says ("MUST be at least
        // kGranularity"): when the peer answers in under a millisecond (a quiche client on loopback often does),
        // the first RTT sample is 0 ms, and in a JVM with assertions on (surefire and failsafe turn them on) the
        // AssertionError aborts the connection in the middle of the handshake ("internal error"): the client
        // then waits out its idle timeout. With assertions off, as our launchers run, kwik carries on. Turning
        // them off for kwik's classes, before any of them is initialised, makes every JVM behave like ours.
        QuicClientConnection.class.getClassLoader().setPackageAssertionStatus("tech.kwik", false);
    }

    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(KwikEngine.class.getName());
    /** The names {@code congestion_control} takes with this engine. */
    public static final List<String> CONGESTION_CONTROLS = List.of("bbr", "reno");
    private static final java.util.concurrent.atomic.AtomicBoolean ATTACH_FAILURE_LOGGED =
            new java.util.concurrent.atomic.AtomicBoolean();

    private final String congestionControl;

    /** Every connection with the delivery-rate window ("bbr"), unless a client uplink asks for "reno". */
    public KwikEngine() {
        this("bbr");
    }

    /**
     * @param congestionControl the controller of every connection whose spec names none, and of every connection
     *                          a listener accepts: "bbr" ({@link DeliveryRateController}: BBR's window rule, loss
     *                          does not shrink it) or "reno" (kwik's own NewReno)
     */
    public KwikEngine(String congestionControl) {
        if (!CONGESTION_CONTROLS.contains(congestionControl)) {
            throw new IllegalArgumentException("kwik congestion control must be one of " + CONGESTION_CONTROLS
                    + ", got '" + congestionControl + "'");
        }
        this.congestionControl = congestionControl;
    }

    @Override
    public String name() {
        return "kwik";
    }

    @Override
    public String toString() {
        return "kwik (" + congestionControl + ")";
    }

    /** Whether a connection asking for {@code requested} (null: this engine's default) gets kwik's NewReno. */
    private boolean usesReno(String requested) {
        String name = requested == null ? congestionControl : requested.toLowerCase(java.util.Locale.ROOT);
        if (!CONGESTION_CONTROLS.contains(name)) {
            // A config written for quiche ("cubic") that fell back to kwik: the loss-tolerant default is closer
            // to what it asked for than NewReno.
            LOG.warning("kwik has no '" + name + "' congestion control; using 'bbr' (the delivery-rate window)");
            return false;
        }
        return name.equals("reno");
    }

    /** The delivery-rate window on {@code connection}, or null (NewReno stays) if kwik's internals have moved. */
    private static DeliveryRateController attachDeliveryRate(QuicConnection connection) {
        try {
            return DeliveryRateController.install(connection);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (ATTACH_FAILURE_LOGGED.compareAndSet(false, true)) {
                LOG.warning("cannot attach the delivery-rate congestion window to kwik (" + e
                        + "); kwik's NewReno stays, which collapses on lossy links. Expected kwik's controller in "
                        + DeliveryRateController.HOLDERS);
            }
            return null;
        }
    }

    @Override
    public QuicLink connect(ClientLinkSpec spec) throws IOException {
        boolean reno = usesReno(spec.congestionControl());
        if (spec.maxUdpPayload() != 0) {
            LOG.warning("kwik keeps its own packet size;"
                    + " max UDP payload " + spec.maxUdpPayload() + " ignored");
        }
        ResilientDatagramSocket[] socketHolder = new ResilientDatagramSocket[1];
        int window = (int) Math.min(Integer.MAX_VALUE, spec.receiveWindow());
        QuicClientConnection.Builder builder = QuicClientConnection.newBuilder()
                // kwik verifies the certificate against the host name it is given, and has no way to turn that
                // off; the bond pins the key instead, so the SNI/verification name is the configured server name
                // (which init puts in the certificate) and the packets go to the real address via proxy().
                .host(spec.serverName() != null ? spec.serverName() : spec.server().getHostString())
                .proxy(spec.server().getAddress() != null ? spec.server().getAddress().getHostAddress()
                        : spec.server().getHostString())
                .port(spec.server().getPort())
                .applicationProtocol(spec.alpn())
                .connectTimeout(spec.connectTimeout())
                .maxIdleTimeout(spec.idleTimeout())
                .defaultStreamReceiveBufferSize((long) window)
                .maxOpenPeerInitiatedBidirectionalStreams(4)
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .customTrustManager(spec.trustManager())
                .enableDatagramExtension()
                .logger(quietLogger())
                .socketFactory(destination -> {
                    InetSocketAddress bind = new InetSocketAddress(spec.bindAddress(), 0);
                    ResilientDatagramSocket socket = ResilientDatagramSocket.client(bind, spec.placement());
                    socketHolder[0] = socket;
                    return socket;
                });
        if (spec.server().getAddress() != null && spec.server().getAddress() instanceof java.net.Inet4Address) {
            builder.preferIPv4();
        }
        QuicClientConnection connection = builder.build();
        DeliveryRateController controller = reno ? null : attachDeliveryRate(connection);
        try {
            connection.connect();
        } catch (IOException | RuntimeException e) {
            connection.close();
            if (socketHolder[0] != null) {
                socketHolder[0].close();
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        return new KwikLink(connection, spec.server(), socketHolder[0], null, controller);
    }

    @Override
    public QuicListener listen(ServerListenSpec spec, Consumer<QuicLink> onConnection) throws IOException {
        ResilientDatagramSocket socket = new ResilientDatagramSocket(spec.listen(), true);
        int idleSeconds = (int) Math.max(1, spec.idleTimeout().toSeconds());
        ServerConnectionConfig config = ServerConnectionConfig.builder()
                .maxIdleTimeoutInSeconds(idleSeconds)
                .maxConnectionBufferSize(spec.receiveWindow() * 2)
                .maxBidirectionalStreamBufferSize(spec.receiveWindow())
                .maxUnidirectionalStreamBufferSize(64 * 1024)
                .maxOpenPeerInitiatedBidirectionalStreams(16)
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .build();
        ServerConnector connector;
        try {
            connector = ServerConnector.builder()
                    .withSocket(socket)
                    .withKeyStore(spec.keyStore(), spec.keyAlias(), spec.keyPassword(), "secp256r1")
                    .withConfiguration(config)
                    .withLogger(quietLogger())
                    .build();
        } catch (Exception e) {
            socket.close();
            throw new IOException("cannot start QUIC listener on " + spec.listen() + ": " + e.getMessage(), e);
        }
        connector.registerApplicationProtocol(spec.alpn(), new ApplicationProtocolConnectionFactory() {
            @Override
            public ApplicationProtocolConnection createConnection(String protocol, QuicConnection connection) {
                InetSocketAddress peer = connection instanceof ServerConnection sc ? sc.getInitialRemoteAddress() : null;
                DeliveryRateController controller = usesReno(null) ? null : attachDeliveryRate(connection);
                KwikLink link = new KwikLink(connection, peer, null, socket, controller);
                onConnection.accept(link);
                return new ApplicationProtocolConnection() {
                    @Override
                    public void acceptPeerInitiatedStream(tech.kwik.core.QuicStream stream) {
                        link.acceptPeerStream(stream);
                    }
                };
            }

            @Override
            public boolean enableDatagramExtension() {
                return true;
            }

            @Override
            public int maxConcurrentPeerInitiatedBidirectionalStreams() {
                return 16;
            }

            @Override
            public int maxConcurrentPeerInitiatedUnidirectionalStreams() {
                return 0;
            }
        });
        connector.start();
        InetSocketAddress local = (InetSocketAddress) socket.getLocalSocketAddress();
        return new QuicListener() {
            @Override
            public InetSocketAddress localAddress() {
                return local;
            }

            @Override
            public void close() {
                // Order matters: the connector must be closing before its socket goes, or kwik 0.10.9 exits.
                connector.close();
                socket.close();
            }
        };
    }

    private static Logger quietLogger() {
        Logger logger = new NullLogger();
        return logger;
    }
}
