package io.quicbond.transport.engine.quiche;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicChannelBootstrap;
import io.netty.handler.codec.quic.QuicChannelOption;
import io.netty.handler.codec.quic.QuicClientCodecBuilder;
import io.netty.handler.codec.quic.QuicClosedChannelException;
import io.netty.handler.codec.quic.QuicCodecBuilder;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.engine.ServerListenSpec;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * netty's QUIC codec over quiche (native, via JNI) as the bond's engine: faster than kwik and with a choice of
 * congestion controller, but only where its native library loads (linux x86_64 with this build; see
 * {@link #availability()}).
 *
 * <p>Each client uplink ({@link #connect}) gets its own UDP channel and codec, bound to the uplink's source
 * address, so the congestion controller (and quiche's state) is per uplink; a listener ({@link #listen}) is one
 * UDP channel per event loop (up to the CPUs) on one port, each with a codec that its connections share (see
 * {@link #listenerSockets()}). Settings (both ends, from NETTY-QUIC.md): connection receive
 * window max(64 MB, 4 &times; stream window), stream window max(16 MB, the spec's receiveWindow), 100
 * bidirectional streams per peer, no unidirectional ones, UDP payloads of at most {@value #DEFAULT_UDP_PAYLOAD}
 * bytes unless the spec says otherwise, the DATAGRAM extension on, 4 MB socket buffers, no Retry (a listener does
 * no address validation round trip; quiche still limits what it sends to an unvalidated address to three times
 * what it received).
 *
 * <p>Threads: one event loop group per engine, {@code quiche-N} daemon threads, epoll when netty's native epoll
 * transport is on the class path (with GSO and recvmmsg), else NIO. Every connection lives on one of its loops;
 * handlers the seam runs (onConnection, onPeerStream, onDatagram, onClosed) run there and must not block.
 * {@link #connect}, {@link QuicLink#openStream()} and stream I/O block and must not be called on those threads.
 * Thread-safe. {@link #close()} stops the loops (and with them every connection and listener of this engine).
 */
public final class QuicheEngine implements QuicEngine, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(QuicheEngine.class.getName());
    /**
     * Largest UDP payload quiche sends unless a spec asks otherwise: fits the paths of PPPoE, LTE and most tunnels.
     * Larger packets carry more per packet (1472 bytes, a 1500-byte IPv4 packet: about 0.4 % more data on a
     * shaped link, and 9-14 % more throughput through the bond on loopback, where the CPU per packet is the
     * limit), but the quiche of netty 4.2.18 sends its full size from the first packet, whatever PMTU discovery
     * is doing: on a path with a 1400-byte MTU an uplink set to 1472 carried 2 Mbit/s instead of 60. So larger is
     * opt-in, per uplink, where the operator knows the path.
     */
    public static final int DEFAULT_UDP_PAYLOAD = 1350;
    /**
     * Length of the connection IDs each end issues. quiche's default, 20 bytes, rides in every packet's short
     * header; 8 (what most QUIC servers use, 2^64 values) leaves 12 more bytes per packet for data: about 1 %
     * of a link's rate.
     */
    static final int CONNECTION_ID_BYTES = 8;
    /**
     * Connection IDs of a listener with several sockets: netty's dispatcher puts the socket's index in the first
     * two bytes and wants at least 10, which leaves the same 8 random bytes as {@link #CONNECTION_ID_BYTES}.
     */
    static final int DISPATCHED_CONNECTION_ID_BYTES = 10;
    static final long MIN_STREAM_WINDOW = 16L << 20;
    static final long MIN_CONNECTION_WINDOW = 64L << 20;
    static final int MAX_STREAMS_PER_PEER = 100;
    /** Datagrams quiche queues per direction (receive and send). */
    static final int DATAGRAM_QUEUE = 4096;

    /** Never asks for Retry, and accepts whatever token comes: what netty's (package-private) NoQuicTokenHandler does. */
    private static final QuicTokenHandler NO_RETRY = new QuicTokenHandler() {
        @Override
        public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
            return false;
        }

        @Override
        public int validateToken(ByteBuf token, InetSocketAddress address) {
            return 0;
        }

        @Override
        public int maxTokenLength() {
            return 0;
        }
    };

    private final CongestionControl congestionControl;
    private final IoTransport io;
    private final EventLoopGroup group;

    /** BBR, epoll if available. */
    public QuicheEngine() {
        this(CongestionControl.BBR);
    }

    /** The given congestion controller for every connection of this engine; epoll if available. */
    public QuicheEngine(CongestionControl congestionControl) {
        this(congestionControl, true);
    }

    /**
     * @param congestionControl the controller of every connection this engine makes or accepts
     * @param allowEpoll        false forces NIO even where netty's native epoll transport is available
     * @throws IllegalStateException when the native library cannot load ({@link #availability()} says why)
     */
    public QuicheEngine(CongestionControl congestionControl, boolean allowEpoll) {
        this.congestionControl = Objects.requireNonNull(congestionControl, "congestionControl");
        Optional<String> unavailable = availability();
        if (unavailable.isPresent()) {
            throw new IllegalStateException(unavailable.get());
        }
        this.io = IoTransport.select(allowEpoll);
        this.group = new MultiThreadIoEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
                new DefaultThreadFactory("quiche", true), io.ioHandlerFactory);
    }

    /**
     * Empty when netty's QUIC codec can run here; otherwise why not (no native library for this OS or CPU, a C
     * library too old, /tmp not executable, the classes missing), so that callers can say so and use kwik.
     * Never throws.
     */
    public static Optional<String> availability() {
        String platform = System.getProperty("os.name") + "/" + System.getProperty("os.arch");
        try {
            if (Quic.isAvailable()) {
                return Optional.empty();
            }
            Throwable cause = Quic.unavailabilityCause();
            return Optional.of("the quiche engine (netty's QUIC codec) cannot run on " + platform + ": "
                    + describe(cause));
        } catch (LinkageError e) {
            return Optional.of("the quiche engine (netty's QUIC codec) is not usable on " + platform + ": "
                    + describe(e));
        }
    }

    private static String describe(Throwable cause) {
        if (cause == null) {
            return "unknown reason";
        }
        StringBuilder text = new StringBuilder(String.valueOf(cause));
        for (Throwable c = cause.getCause(); c != null && text.length() < 600; c = c.getCause()) {
            text.append("; caused by ").append(c);
        }
        return text.toString();
    }

    @Override
    public String name() {
        return "quiche";
    }

    public CongestionControl congestionControl() {
        return congestionControl;
    }

    /** "epoll" or "nio". */
    public String ioTransport() {
        return io.name;
    }

    @Override
    public String toString() {
        return "quiche (" + congestionControl + ", " + io.name + ")";
    }

    @Override
    public QuicLink connect(ClientLinkSpec spec) throws IOException {
        Objects.requireNonNull(spec, "spec");
        InetSocketAddress server = resolved(spec.server());
        String sni = spec.serverName() != null ? spec.serverName() : spec.server().getHostString();
        QuicSslContext ssl = QuicSslContextBuilder.forClient()
                .trustManager(spec.trustManager())
                // The trust manager pins the key; there is no host name to check.
                .endpointIdentificationAlgorithm(null)
                .applicationProtocols(spec.alpn())
                .build();
        CongestionControl cc = spec.congestionControl() == null ? congestionControl
                : CongestionControl.parse(spec.congestionControl());
        int payload = udpPayload(spec.maxUdpPayload());
        ChannelHandler codec = settings(new QuicClientCodecBuilder(), spec.idleTimeout(), spec.receiveWindow(), cc,
                payload)
                // Announced as max_udp_payload_size: the server sends this uplink no larger packets either.
                .maxRecvUdpPayloadSize(payload)
                .sslEngineProvider(q -> ssl.newEngine(q.alloc(), sni, server.getPort()))
                .build();
        // No channel class yet: bindPlaced chooses it (or a factory around a channel it made).
        Bootstrap bootstrap = new Bootstrap().group(group).handler(codec);
        io.configure(bootstrap);
        InetSocketAddress bind = new InetSocketAddress(spec.bindAddress(), 0);
        Channel udp = io.bindPlaced(bootstrap, bind, spec.placement());

        long timeoutMillis = Math.max(1, spec.connectTimeout().toMillis());
        QuicChannelBootstrap quic = QuicChannel.newBootstrap(udp)
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                        QuicheLink link = new QuicheLink(ch, spec.server(), payload, udp);
                        ch.pipeline().addLast(link.connectionHandler());
                    }
                })
                .streamHandler(QuicheLink.PEER_STREAM_INITIALIZER)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .remoteAddress(server);
        SegmentedDatagramPacketAllocator gso = io.segmentedAllocator();
        if (gso != null) {
            quic.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
        }
        Future<QuicChannel> connected = quic.connect();
        try {
            if (!connected.await(timeoutMillis + 1000)) {
                connected.cancel(false);
                throw new IOException("QUIC handshake with " + server + " timed out after " + timeoutMillis + " ms");
            }
            if (!connected.isSuccess()) {
                throw new IOException("QUIC handshake with " + server + " failed: " + describeFailure(connected.cause()),
                        connected.cause());
            }
            QuicChannel channel = connected.getNow();
            // The datagram limit is announced right after the connect promise completes, in the same event-loop
            // task: one round trip through the loop makes sure it has been seen.
            channel.eventLoop().submit(() -> null).await(timeoutMillis);
            QuicheLink link = channel.attr(QuicheLink.LINK).get();
            if (link == null) {
                throw new IOException("QUIC connection to " + server + " has no link (closed during the handshake?)");
            }
            return link;
        } catch (InterruptedException e) {
            udp.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted during the QUIC handshake with " + server);
        } catch (IOException | RuntimeException e) {
            udp.close();
            throw e;
        }
    }

    private static String describeFailure(Throwable cause) {
        if (cause instanceof QuicClosedChannelException closed && closed.event() != null) {
            QuicConnectionCloseEvent event = closed.event();
            return event.isTlsError()
                    ? "TLS alert " + QuicConnectionCloseEvent.extractTlsError(event.error()) + " (certificate refused?)"
                    : "closed with error " + event.error() + ": " + new String(event.reason(), java.nio.charset.StandardCharsets.UTF_8);
        }
        return String.valueOf(cause);
    }

    @Override
    public QuicListener listen(ServerListenSpec spec, Consumer<QuicLink> onConnection) throws IOException {
        Objects.requireNonNull(onConnection, "onConnection");
        QuicSslContext ssl = serverContext(spec);
        Set<QuicheLink> links = ConcurrentHashMap.newKeySet();
        // Each connection sends at most the smaller of this and what the client announced (quiche's rule), so an
        // uplink left at the default gets the default whatever the server allows.
        int payload = udpPayload(spec.maxUdpPayload());
        QuicServerCodecBuilder builder = settings(new QuicServerCodecBuilder(), spec.idleTimeout(), spec.receiveWindow(),
                congestionControl, payload)
                .sslContext(ssl)
                .tokenHandler(NO_RETRY)
                .handler(new ChannelInitializer<QuicChannel>() {
                    @Override
                    protected void initChannel(QuicChannel ch) {
                        InetSocketAddress peer = ch.remoteSocketAddress() instanceof InetSocketAddress a ? a : null;
                        QuicheLink link = new QuicheLink(ch, peer, payload, null);
                        links.add(link);
                        ch.closeFuture().addListener(f -> links.remove(link));
                        ch.pipeline().addLast(link.connectionHandler(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                ctx.fireChannelActive();
                                // After this event-loop task, in which quiche also announces the datagram limit.
                                ctx.executor().execute(() -> onConnection.accept(link));
                            }
                        });
                    }
                })
                .streamHandler(QuicheLink.PEER_STREAM_INITIALIZER);
        SegmentedDatagramPacketAllocator gso = io.segmentedAllocator();
        if (gso != null) {
            builder.option(QuicChannelOption.SEGMENTED_DATAGRAM_PACKET_ALLOCATOR, gso);
        }
        List<Channel> sockets = bindListenerSockets(builder, spec.listen(), listenerSockets());
        Channel udp = sockets.getFirst();
        InetSocketAddress local = (InetSocketAddress) udp.localAddress();
        AtomicBoolean closed = new AtomicBoolean();
        return new QuicListener() {
            @Override
            public InetSocketAddress localAddress() {
                return local;
            }

            @Override
            public void close() {
                if (!closed.compareAndSet(false, true)) {
                    return;
                }
                // Each connection's close is a task on the socket's loop and writes CONNECTION_CLOSE there; the
                // socket's close is queued after them.
                for (QuicheLink link : links) {
                    link.close(0, "server shutting down");
                }
                for (Channel socket : sockets) {
                    ChannelFuture done = socket.close();
                    if (!socket.eventLoop().inEventLoop()) {
                        done.awaitUninterruptibly(5000);
                    }
                }
            }

            @Override
            public String toString() {
                return "quiche listener on " + local + (sockets.size() > 1 ? " (" + sockets.size() + " sockets)" : "");
            }
        };
    }

    /**
     * How many UDP sockets a listener spreads its connections over: one per event loop up to the CPUs, so that
     * a server's connections (several clients, or one client's uplinks) are decrypted and parsed on every core,
     * not on one loop. Only with epoll (SO_REUSEPORT); NIO gets one.
     */
    int listenerSockets() {
        if (!io.isEpoll()) {
            return 1;
        }
        int loops = 0;
        for (var ignored : group) {
            loops++;
        }
        return Math.max(1, Math.min(loops, Runtime.getRuntime().availableProcessors()));
    }

    /**
     * Binds {@code count} UDP sockets to {@code listen} with SO_REUSEPORT, each with its own codec on its own event
     * loop. The kernel spreads clients over the sockets by their address and port; netty's dispatcher puts the
     * socket's index into every connection ID it issues and hands a packet that reaches another socket (a client
     * whose address changed) to the codec that owns its connection. With {@code count} 1: one plain socket.
     */
    private List<Channel> bindListenerSockets(QuicServerCodecBuilder builder, InetSocketAddress listen, int count)
            throws IOException {
        if (count <= 1) {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(io.channelClass).handler(builder.build());
            io.configure(bootstrap);
            return List.of(await(bootstrap.bind(listen), Duration.ofSeconds(5), "listen on " + listen).channel());
        }
        QuicCodecDispatcher dispatcher = new QuicCodecDispatcher(DISPATCHED_CONNECTION_ID_BYTES) {
            @Override
            protected void initChannel(Channel channel, int localConnectionIdLength,
                                       QuicConnectionIdGenerator idGenerator) {
                // One codec per socket (codecs are not shareable); the builder is only read here.
                channel.pipeline().addLast(builder.clone()
                        .localConnectionIdLength(localConnectionIdLength)
                        .connectionIdAddressGenerator(idGenerator)
                        .build());
            }
        };
        Bootstrap bootstrap = new Bootstrap().group(group).channel(io.channelClass).handler(dispatcher);
        io.configure(bootstrap);
        io.reusePort(bootstrap);
        List<Channel> sockets = new ArrayList<>(count);
        InetSocketAddress bind = listen;
        try {
            for (int i = 0; i < count; i++) {
                Channel socket = await(bootstrap.bind(bind), Duration.ofSeconds(5), "listen on " + bind).channel();
                sockets.add(socket);
                // An ephemeral port (0) is chosen by the first bind; the others join it.
                bind = (InetSocketAddress) socket.localAddress();
            }
        } catch (IOException | RuntimeException e) {
            sockets.forEach(Channel::close);
            throw e;
        }
        return List.copyOf(sockets);
    }

    private static QuicSslContext serverContext(ServerListenSpec spec) throws IOException {
        try {
            Key key = spec.keyStore().getKey(spec.keyAlias(), spec.keyPassword());
            Certificate[] chain = spec.keyStore().getCertificateChain(spec.keyAlias());
            if (!(key instanceof PrivateKey privateKey) || chain == null || chain.length == 0) {
                throw new IOException("key store has no private key with a certificate chain under '" + spec.keyAlias() + "'");
            }
            X509Certificate[] certificates = Arrays.stream(chain).map(X509Certificate.class::cast)
                    .toArray(X509Certificate[]::new);
            return QuicSslContextBuilder.forServer(privateKey, null, certificates)
                    .applicationProtocols(spec.alpn())
                    .build();
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IOException("cannot use the key store's key '" + spec.keyAlias() + "': " + e.getMessage(), e);
        }
    }

    private <B extends QuicCodecBuilder<B>> B settings(B builder, Duration idleTimeout, long receiveWindow,
                                                       CongestionControl cc, int maxSendUdpPayload) {
        long stream = Math.max(MIN_STREAM_WINDOW, receiveWindow);
        long connection = Math.max(MIN_CONNECTION_WINDOW, 4 * stream);
        return builder.congestionControlAlgorithm(cc.netty)
                .maxIdleTimeout(Math.max(1, idleTimeout.toMillis()), TimeUnit.MILLISECONDS)
                .maxSendUdpPayloadSize(maxSendUdpPayload)
                .localConnectionIdLength(CONNECTION_ID_BYTES)
                .initialMaxData(connection)
                .initialMaxStreamDataBidirectionalLocal(stream)
                .initialMaxStreamDataBidirectionalRemote(stream)
                .initialMaxStreamsBidirectional(MAX_STREAMS_PER_PEER)
                .initialMaxStreamsUnidirectional(0)
                .datagram(DATAGRAM_QUEUE, DATAGRAM_QUEUE);
    }

    /** A spec's UDP payload size, 0 meaning {@link #DEFAULT_UDP_PAYLOAD}. */
    private static int udpPayload(int fromSpec) {
        return fromSpec > 0 ? fromSpec : DEFAULT_UDP_PAYLOAD;
    }

    private static InetSocketAddress resolved(InetSocketAddress address) throws IOException {
        if (!address.isUnresolved()) {
            return address;
        }
        return new InetSocketAddress(InetAddress.getByName(address.getHostString()), address.getPort());
    }

    private static ChannelFuture await(ChannelFuture future, Duration timeout, String what) throws IOException {
        try {
            if (!future.await(timeout.toMillis())) {
                future.cancel(false);
                throw new IOException(what + ": timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what + ": interrupted");
        }
        if (!future.isSuccess()) {
            throw new IOException(what + ": " + future.cause().getMessage(), future.cause());
        }
        return future;
    }

    /** Stops this engine's event loops, which closes every connection and listener it made. Idempotent. */
    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5000);
    }
}
