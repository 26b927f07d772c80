package io.quicbond.interop.bench;

import io.quicbond.transport.engine.kwik.NudgingOutputStream;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import tech.kwik.core.QuicClientConnection;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.log.NullLogger;
import tech.kwik.core.server.ApplicationProtocolConnection;
import tech.kwik.core.server.ApplicationProtocolConnectionFactory;
import tech.kwik.core.server.ServerConnectionConfig;
import tech.kwik.core.server.ServerConnector;

/**
 * kwik on its own, the ceiling the bond is measured against: one QUIC connection, one stream (one per transfer), serving the
 * {@link TrafficServer} protocol. Configured as the bond's kwik engine is (4 MiB socket buffers, 16 MiB stream
 * and 32 MiB connection receive windows, the same TLS identity kind), and with the same workaround for kwik
 * 0.10.9's stream stall (KWIK.md defect 1): a write blocked for 50 ms is nudged with a zero-length write.
 */
public final class RawKwik {
    private static final Logger LOG = Logger.getLogger(RawKwik.class.getName());
    static final String ALPN = "quicbond-bench";
    private static final int SOCKET_BUFFER = 4 << 20;
    private static final long STREAM_WINDOW = BondFixture.RECEIVE_WINDOW;
    private static final char[] KEY_PASSWORD = "bench".toCharArray();

    private RawKwik() {
    }

    /** A running raw kwik server. */
    public record Server(ServerConnector connector, DatagramSocket socket) implements AutoCloseable {
        public int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() {
            // The connector first: kwik 0.10.9 exits the JVM when its socket closes under a running connector.
            connector.close();
            socket.close();
        }
    }

    /** Listens on {@code listen}; each peer stream is served on a virtual thread. */
    public static Server startServer(InetSocketAddress listen, ServerIdentity identity) throws IOException {
        DatagramSocket socket = socket(listen);
        ServerConnectionConfig config = ServerConnectionConfig.builder()
                .maxIdleTimeoutInSeconds(30)
                .maxConnectionBufferSize(STREAM_WINDOW * 2)
                .maxBidirectionalStreamBufferSize(STREAM_WINDOW)
                .maxUnidirectionalStreamBufferSize(64 * 1024)
                .maxOpenPeerInitiatedBidirectionalStreams(16)
                .maxOpenPeerInitiatedUnidirectionalStreams(0)
                .build();
        ServerConnector connector;
        try {
            connector = ServerConnector.builder()
                    .withSocket(socket)
                    .withKeyStore(identity.toKeyStore("bench", KEY_PASSWORD), "bench", KEY_PASSWORD, "secp256r1")
                    .withConfiguration(config)
                    .withLogger(new NullLogger())
                    .build();
        } catch (Exception e) {
            socket.close();
            throw new IOException("cannot start the kwik server: " + e.getMessage(), e);
        }
        connector.registerApplicationProtocol(ALPN, new ApplicationProtocolConnectionFactory() {
            @Override
            public ApplicationProtocolConnection createConnection(String protocol, QuicConnection connection) {
                return new ApplicationProtocolConnection() {
                    @Override
                    public void acceptPeerInitiatedStream(QuicStream stream) {
                        // Called on kwik's receive thread, which must not block.
                        Thread.ofVirtual().name("kwik-stream-" + stream.getStreamId()).start(() -> {
                            try {
                                TrafficServer.serve(stream.getInputStream(), new NudgingOutputStream(stream.getOutputStream()));
                                stream.getOutputStream().close();
                            } catch (IOException e) {
                                LOG.log(Level.FINE, "kwik bench stream ended", e);
                            }
                        });
                    }
                };
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
        return new Server(connector, socket);
    }

    /** Connects, pinning the server's key, and opens one bidirectional stream. */
    public static Duplex connect(InetSocketAddress server, String pin) throws IOException {
        QuicClientConnection connection = QuicClientConnection.newBuilder()
                .host("localhost")
                .proxy(server.getAddress().getHostAddress())
                .port(server.getPort())
                .applicationProtocol(ALPN)
                .connectTimeout(Duration.ofSeconds(5))
                .maxIdleTimeout(Duration.ofSeconds(30))
                .defaultStreamReceiveBufferSize(STREAM_WINDOW)
                .customTrustManager(CertificatePin.pinningTrustManager(CertificatePin.parse(pin)))
                .logger(new NullLogger())
                .socketFactory(address -> socket(new InetSocketAddress(0)))
                .preferIPv4()
                .build();
        connection.connect();
        QuicStream stream = connection.createStream(true);
        return Duplex.of(stream.getInputStream(), new NudgingOutputStream(stream.getOutputStream()), connection::close);
    }

    /** Zero-length writes sent to unblock stalled streams, over all of this process's streams. */
    public static long nudges() {
        return NudgingOutputStream.nudgesSent();
    }

    private static DatagramSocket socket(InetSocketAddress bind) throws SocketException {
        DatagramSocket s = new DatagramSocket(bind);
        s.setReceiveBufferSize(SOCKET_BUFFER);
        s.setSendBufferSize(SOCKET_BUFFER);
        return s;
    }
}
