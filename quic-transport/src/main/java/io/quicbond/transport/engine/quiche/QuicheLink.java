package io.quicbond.transport.engine.quiche;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicConnectionCloseEvent;
import io.netty.handler.codec.quic.QuicConnectionPathStats;
import io.netty.handler.codec.quic.QuicConnectionStats;
import io.netty.handler.codec.quic.QuicDatagramExtensionEvent;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.quicbond.transport.engine.LinkStats;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicLink;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A quiche connection behind the {@link QuicLink} seam. Everything netty-side runs on the connection's event
 * loop (the one its UDP channel is registered with); the seam's methods may be called from any thread.
 */
final class QuicheLink implements QuicLink {
    private static final Logger LOG = Logger.getLogger(QuicheLink.class.getName());
    static final AttributeKey<QuicheLink> LINK = AttributeKey.valueOf(QuicheLink.class, "link");
    /**
     * The most a DATAGRAM frame can cost on top of its payload in a 1-RTT packet: 1 header byte, a connection ID
     * of up to 20 bytes, a packet number of up to 4, the AEAD tag of 16, the frame type and a 2-byte length.
     * quiche announces the exact figure for the connection IDs of the moment (1306 between two quiche ends at
     * 1350, 1318 towards kwik's shorter IDs) but only once; capping at the worst case keeps a datagram of
     * {@link #maxDatagramPayload()} sendable whatever IDs the peer issues later. A larger write fails with
     * BufferUnderflowException on the event loop (NETTY-QUIC.md, pitfall 3).
     */
    static final int DATAGRAM_OVERHEAD = 44;
    /** Datagrams queued towards the event loop before {@link #sendDatagram} reports the queue full. */
    private static final int MAX_QUEUED_DATAGRAMS = 1024;
    private static final long STATS_FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long STATS_WAIT_MILLIS = 200;

    /** Adds the stream bridge to every stream the peer opens and hands it to the stream's link. */
    static final ChannelHandler PEER_STREAM_INITIALIZER = new ChannelInitializer<QuicStreamChannel>() {
        @Override
        protected void initChannel(QuicStreamChannel stream) {
            QuicheLink link = stream.parent().attr(LINK).get();
            if (link == null) {
                stream.close();
                return;
            }
            link.peerStreamOpened(new QuicheStream(stream, link::closeReasonIfClosed));
        }
    };

    private final QuicChannel channel;
    private final InetSocketAddress peer;
    private final int maxSendUdpPayload;
    /** The client's own UDP channel, closed with the connection; null on the server. */
    private final Channel ownSocket;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ConcurrentLinkedQueue<ByteBuf> outgoingDatagrams = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedDatagrams = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile Consumer<byte[]> datagramHandler;
    private Consumer<String> closedHandler = r -> { };
    /** Guarded by this for the handler hand-over; volatile for the lock-free readers. */
    private volatile String closeReason;
    private volatile String localCloseReason;
    private volatile long peerCloseCode = -1;
    private volatile String peerCloseDescription;
    private volatile int datagramLimit;
    /** What quiche announced as the largest datagram (before the correction); -1 until it has. */
    volatile int announcedDatagramLimit = -1;
    private volatile LinkStats lastStats = LinkStats.UNKNOWN;
    private volatile long lastStatsNanos = System.nanoTime() - 2 * STATS_FRESH_NANOS;
    /** Peer streams that arrived before {@link #onPeerStream} was called; guarded by this. */
    private final List<LinkStream> pendingPeerStreams = new ArrayList<>();
    private Consumer<LinkStream> peerStreamHandler;

    QuicheLink(QuicChannel channel, InetSocketAddress peer, int maxSendUdpPayload, Channel ownSocket) {
        this.channel = channel;
        this.peer = peer;
        this.maxSendUdpPayload = maxSendUdpPayload;
        this.ownSocket = ownSocket;
        channel.attr(LINK).set(this);
        channel.closeFuture().addListener(f -> onChannelClosed());
    }

    QuicChannel channel() {
        return channel;
    }

    /** The local UDP address of the connection (the client's own socket, or the listener's). */
    InetSocketAddress localAddress() {
        return channel.localSocketAddress() instanceof InetSocketAddress a ? a : null;
    }

    /** The handler on the connection's pipeline: datagrams, the datagram limit, the peer's close. */
    ChannelHandler connectionHandler() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof ByteBuf datagram) {
                    try {
                        deliverDatagram(ByteBufUtil.getBytes(datagram));
                    } finally {
                        datagram.release();
                    }
                } else {
                    // Peer-opened streams register only when they reach the pipeline's tail (pitfall 1).
                    ctx.fireChannelRead(msg);
                }
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                if (evt instanceof QuicDatagramExtensionEvent dgram) {
                    announcedDatagramLimit = dgram.maxLength();
                    datagramLimit = Math.max(0, Math.min(dgram.maxLength(), maxSendUdpPayload - DATAGRAM_OVERHEAD));
                } else if (evt instanceof QuicConnectionCloseEvent close) {
                    String text = close.reason() == null ? "" : new String(close.reason(), StandardCharsets.UTF_8);
                    if (close.isApplicationClose()) {
                        peerCloseCode = close.error() & 0xffffffffL;
                        peerCloseDescription = "closed by peer (code " + peerCloseCode + ")"
                                + (text.isEmpty() ? "" : ": " + text);
                    } else {
                        peerCloseDescription = "closed by peer with transport error " + close.error()
                                + (close.isTlsError() ? " (TLS alert " + QuicConnectionCloseEvent.extractTlsError(close.error()) + ")" : "")
                                + (text.isEmpty() ? "" : ": " + text);
                    }
                }
                ctx.fireUserEventTriggered(evt);
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // Failed datagram writes (too large, not negotiated) and stray errors: the connection goes on.
                LOG.log(Level.FINE, "QUIC connection " + peer + ": " + cause, cause);
            }
        };
    }

    private void deliverDatagram(byte[] payload) {
        Consumer<byte[]> handler = datagramHandler;
        if (handler == null) {
            return;
        }
        try {
            handler.accept(payload);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "datagram handler failed", e);
        }
    }

    private void peerStreamOpened(LinkStream stream) {
        Consumer<LinkStream> handler;
        synchronized (this) {
            handler = peerStreamHandler;
            if (handler == null) {
                pendingPeerStreams.add(stream);
                return;
            }
        }
        handler.accept(stream);
    }

    @Override
    public LinkStream openStream() throws IOException {
        if (channel.eventLoop().inEventLoop()) {
            throw new IllegalStateException("openStream() blocks: not on an event loop thread");
        }
        CompletableFuture<QuicheStream> opened = new CompletableFuture<>();
        Future<QuicStreamChannel> created = channel.createStream(QuicStreamType.BIDIRECTIONAL,
                new ChannelInitializer<QuicStreamChannel>() {
                    @Override
                    protected void initChannel(QuicStreamChannel stream) {
                        opened.complete(new QuicheStream(stream, QuicheLink.this::closeReasonIfClosed));
                    }
                });
        created.addListener(f -> {
            if (!f.isSuccess()) {
                opened.completeExceptionally(f.cause());
            }
        });
        try {
            return opened.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening a stream");
        } catch (ExecutionException e) {
            String reason = closeReasonIfClosed();
            throw new IOException("cannot open a stream to " + peer + ": "
                    + (reason != null ? "connection closed: " + reason : e.getCause()), e.getCause());
        }
    }

    @Override
    public void onPeerStream(Consumer<LinkStream> handler) {
        List<LinkStream> backlog;
        synchronized (this) {
            peerStreamHandler = handler;
            backlog = List.copyOf(pendingPeerStreams);
            pendingPeerStreams.clear();
        }
        backlog.forEach(handler);
    }

    @Override
    public int maxDatagramPayload() {
        return closed.get() ? 0 : datagramLimit;
    }

    @Override
    public boolean sendDatagram(byte[] payload) {
        if (closed.get() || payload.length > datagramLimit || payload.length == 0) {
            return false;
        }
        if (queuedDatagrams.incrementAndGet() > MAX_QUEUED_DATAGRAMS) {
            queuedDatagrams.decrementAndGet();
            return false;
        }
        ByteBuf buf = channel.alloc().directBuffer(payload.length).writeBytes(payload);
        outgoingDatagrams.add(buf);
        // One event-loop task per burst, not per datagram (pitfall 5).
        if (!drainScheduled.getAndSet(true)) {
            try {
                channel.eventLoop().execute(this::drainDatagrams);
            } catch (RejectedExecutionException e) {
                drainAndRelease();
                return false;
            }
        }
        return true;
    }

    private void drainDatagrams() {
        drainScheduled.set(false);
        boolean wrote = false;
        ByteBuf buf;
        while ((buf = outgoingDatagrams.poll()) != null) {
            queuedDatagrams.decrementAndGet();
            if (!channel.isActive()) {
                buf.release();
                continue;
            }
            channel.write(buf, channel.voidPromise());
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    private void drainAndRelease() {
        ByteBuf buf;
        while ((buf = outgoingDatagrams.poll()) != null) {
            queuedDatagrams.decrementAndGet();
            buf.release();
        }
    }

    @Override
    public void onDatagram(Consumer<byte[]> handler) {
        datagramHandler = handler;
    }

    @Override
    public void onClosed(Consumer<String> handler) {
        String reason;
        synchronized (this) {
            closedHandler = handler;
            reason = closeReason;
        }
        // Exactly once: either here (already closed) or from onChannelClosed, never both.
        if (reason != null) {
            handler.accept(reason);
        }
    }

    @Override
    public long peerCloseCode() {
        return peerCloseCode;
    }

    /**
     * quiche's figures: srtt, cwnd and delivery rate of the active path; packets and bytes of the connection.
     * quiche does not expose the RTT variance ({@code rttVarMicros} is -1). Refreshed on the event loop at most
     * every 20 ms; a caller waits up to 200 ms for a refresh, else gets the previous figures.
     */
    @Override
    public LinkStats stats() {
        if (System.nanoTime() - lastStatsNanos < STATS_FRESH_NANOS || closed.get()) {
            return lastStats;
        }
        if (channel.eventLoop().inEventLoop()) {
            return refreshStats();
        }
        CompletableFuture<LinkStats> refreshed = new CompletableFuture<>();
        try {
            channel.eventLoop().execute(() -> refreshed.complete(refreshStats()));
            return refreshed.get(STATS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
            return lastStats;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return lastStats;
        }
    }

    /** The last figures; when they are older than 20 ms, a refresh is queued on the event loop (one at a time). */
    @Override
    public LinkStats recentStats() {
        if (System.nanoTime() - lastStatsNanos >= STATS_FRESH_NANOS && !closed.get()
                && refreshQueued.compareAndSet(false, true)) {
            try {
                channel.eventLoop().execute(() -> {
                    refreshQueued.set(false);
                    refreshStats();
                });
            } catch (RejectedExecutionException e) {
                refreshQueued.set(false);
            }
        }
        return lastStats;
    }

    private final AtomicBoolean refreshQueued = new AtomicBoolean();

    private LinkStats refreshStats() {
        LinkStats previous = lastStats;
        Future<QuicConnectionStats> conn = channel.collectStats();
        Future<QuicConnectionPathStats> path = channel.collectPathStats(0);
        QuicConnectionStats c = conn.isDone() && conn.isSuccess() ? conn.getNow() : null;
        QuicConnectionPathStats p = path.isDone() && path.isSuccess() ? path.getNow() : null;
        LinkStats stats = new LinkStats(
                p != null ? TimeUnit.NANOSECONDS.toMicros(p.rtt()) : previous.srttMicros(),
                -1,
                c != null ? c.sent() : previous.packetsSent(),
                c != null ? c.lost() : previous.packetsLost(),
                c != null ? c.sentBytes() : previous.bytesSent(),
                c != null ? c.recv() : previous.packetsReceived(),
                p != null ? p.cwnd() : previous.cwndBytes(),
                p != null ? p.deliveryRate() : previous.deliveryRateBps());
        lastStats = stats;
        lastStatsNanos = System.nanoTime();
        return stats;
    }

    @Override
    public InetSocketAddress peerAddress() {
        return peer;
    }

    @Override
    public void close(long applicationErrorCode, String reason) {
        if (closed.get() || localCloseReason != null) {
            return;
        }
        localCloseReason = "closed locally (code " + applicationErrorCode + ")" + (reason == null || reason.isEmpty() ? "" : ": " + reason);
        ByteBuf text = Unpooled.copiedBuffer(reason == null ? "" : reason, StandardCharsets.UTF_8);
        try {
            channel.close(true, (int) Math.min(Integer.MAX_VALUE, Math.max(0, applicationErrorCode)), text);
        } catch (RejectedExecutionException e) {
            text.release();
            onChannelClosed();
        }
    }

    /** The connection's end, once it has ended; null while it is open. */
    String closeReasonIfClosed() {
        String reason = closeReason;
        if (reason != null) {
            return reason;
        }
        return channel.isActive() ? null : describeClose();
    }

    private String describeClose() {
        if (localCloseReason != null) {
            return localCloseReason;
        }
        if (peerCloseDescription != null) {
            return peerCloseDescription;
        }
        if (channel.isTimedOut()) {
            return "idle timeout";
        }
        return "connection closed";
    }

    private void onChannelClosed() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        // Keep the last figures: quiche frees the connection, and the close itself is worth counting.
        try {
            if (channel.eventLoop().inEventLoop()) {
                refreshStats();
            }
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "stats after close", e);
        }
        drainAndRelease();
        String reason = describeClose();
        Consumer<String> handler;
        synchronized (this) {
            closeReason = reason;
            handler = closedHandler;
        }
        if (ownSocket != null) {
            // After quiche has written its CONNECTION_CLOSE (the close ran on this loop already).
            try {
                ownSocket.eventLoop().execute(ownSocket::close);
            } catch (RejectedExecutionException e) {
                ownSocket.close();
            }
        }
        List<LinkStream> orphans;
        synchronized (this) {
            orphans = List.copyOf(pendingPeerStreams);
            pendingPeerStreams.clear();
        }
        for (LinkStream s : orphans) {
            try {
                s.input().close();
            } catch (IOException ignored) {
                // already closed with the connection
            }
        }
        try {
            handler.accept(reason);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "close handler failed", e);
        }
    }

    @Override
    public String toString() {
        return "quiche link to " + peer;
    }
}
