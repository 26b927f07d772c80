package io.quicbond.transport.engine.kwik;

import io.quicbond.transport.engine.LinkStats;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicLink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import tech.kwik.core.ConnectionListener;
import tech.kwik.core.ConnectionTerminatedEvent;
import tech.kwik.core.QuicConnection;
import tech.kwik.core.QuicStream;
import tech.kwik.core.Statistics;

/** A kwik connection behind the {@link QuicLink} seam. */
final class KwikLink implements QuicLink {
    private static final Logger LOG = Logger.getLogger(KwikLink.class.getName());
    /**
     * kwik 0.10.9's maxDatagramDataSize() does not subtract the 16-byte AEAD tag (KWIK.md defect 4): a datagram
     * of the advertised size never leaves its queue.
     */
    static final int DATAGRAM_AEAD_OVERSTATEMENT = 16;

    private final QuicConnection connection;
    private final InetSocketAddress peer;
    private final ResilientDatagramSocket ownSocket;
    /** Server side: the listener's shared socket, which counts packets per peer address. */
    private final ResilientDatagramSocket sharedSocket;
    private final AtomicBoolean closed = new AtomicBoolean();
    /**
     * kwik queues datagrams without bound and, with NewReno's window frozen (KWIK.md defect 2), may send only a
     * few per RTT; beyond this many not yet sent, sendDatagram says no and the bond uses its stream instead.
     */
    static final int MAX_QUEUED_DATAGRAMS = 16;
    private final java.util.concurrent.atomic.AtomicLong datagramsSubmitted = new java.util.concurrent.atomic.AtomicLong();
    /** kwik's count of datagrams sent, as last read; it only lags, so the check above stays safe. */
    private volatile long datagramsSentSeen;
    private volatile Consumer<LinkStream> peerStreamHandler = s -> { };
    private volatile Consumer<String> closedHandler = r -> { };
    private volatile String closeReason;
    private volatile long peerCloseCode = -1;

    /** The connection's delivery-rate window, null when it runs kwik's NewReno (which tells nothing). */
    private final DeliveryRateController controller;

    KwikLink(QuicConnection connection, InetSocketAddress peer, ResilientDatagramSocket ownSocket,
             ResilientDatagramSocket sharedSocket, DeliveryRateController controller) {
        this.controller = controller;
        this.connection = connection;
        this.peer = peer;
        this.ownSocket = ownSocket;
        this.sharedSocket = sharedSocket;
        connection.setConnectionListener(new ConnectionListener() {
            @Override
            public void disconnected(ConnectionTerminatedEvent event) {
                String reason = event.closeReason()
                        + (event.errorDescription() != null ? ": " + event.errorDescription() : "")
                        + (event.applicationErrorCode() != null ? " (code " + event.applicationErrorCode() + ")" : "");
                if (event.closedByPeer() && event.applicationErrorCode() != null) {
                    peerCloseCode = event.applicationErrorCode();
                }
                markClosed(reason);
            }
        });
    }

    void acceptPeerStream(QuicStream stream) {
        peerStreamHandler.accept(wrap(stream));
    }

    @Override
    public LinkStream openStream() throws IOException {
        return wrap(connection.createStream(true));
    }

    private static LinkStream wrap(QuicStream stream) {
        InputStream in = stream.getInputStream();
        OutputStream out = new NudgingOutputStream(stream.getOutputStream());
        return new LinkStream() {
            @Override
            public InputStream input() {
                return in;
            }

            @Override
            public OutputStream output() {
                return out;
            }
        };
    }

    @Override
    public void onPeerStream(Consumer<LinkStream> handler) {
        peerStreamHandler = handler;
    }

    @Override
    public int maxDatagramPayload() {
        if (!connection.isDatagramExtensionEnabled() || !connection.canSendDatagram()) {
            return 0;
        }
        return Math.max(0, connection.maxDatagramDataSize() - DATAGRAM_AEAD_OVERSTATEMENT);
    }

    @Override
    public boolean sendDatagram(byte[] payload) {
        if (closed.get() || payload.length > maxDatagramPayload()) {
            return false;
        }
        try {
            // kwik's statistics are built on each call, so read them only when the queue may be full.
            if (datagramsSubmitted.get() - datagramsSentSeen >= MAX_QUEUED_DATAGRAMS) {
                datagramsSentSeen = connection.getStats().datagramsSent();
                if (datagramsSubmitted.get() - datagramsSentSeen >= MAX_QUEUED_DATAGRAMS) {
                    return false;
                }
            }
            connection.sendDatagram(payload);
            datagramsSubmitted.incrementAndGet();
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "datagram not sent", e);
            return false;
        }
    }

    @Override
    public void onDatagram(Consumer<byte[]> handler) {
        if (connection.isDatagramExtensionEnabled()) {
            connection.setDatagramHandler(handler);
        }
    }

    @Override
    public void onClosed(Consumer<String> handler) {
        closedHandler = handler;
        if (closed.get()) {
            handler.accept(closeReason);
        }
    }

    @Override
    public long peerCloseCode() {
        return peerCloseCode;
    }

    @Override
    public LinkStats stats() {
        Statistics s;
        try {
            s = connection.getStats();
        } catch (RuntimeException e) {
            return LinkStats.UNKNOWN;
        }
        long received = ownSocket != null ? ownSocket.packetsReceived()
                : sharedSocket != null ? sharedSocket.packetsFrom(peer) : -1;
        long cwnd = controller != null ? controller.getWindowSize() : -1;
        long rate = controller != null ? (long) controller.deliveryRate() : -1;
        return new LinkStats(s.smoothedRtt() * 1000L, s.rttVar() * 1000L, s.packetsSent(), s.lostPackets(),
                s.bytesSent(), received, cwnd, rate > 0 ? rate : -1);
    }

    @Override
    public InetSocketAddress peerAddress() {
        return peer;
    }

    @Override
    public void close(long applicationErrorCode, String reason) {
        if (closed.get()) {
            return;
        }
        try {
            connection.close(applicationErrorCode, reason);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "close failed", e);
        }
        markClosed("closed locally: " + reason);
        if (ownSocket != null) {
            // kwik closes a client connection's socket itself after the close handshake; this only guards
            // against a connection that never got that far.
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
                ownSocket.close();
            });
        }
    }

    private void markClosed(String reason) {
        if (closed.compareAndSet(false, true)) {
            closeReason = reason;
            if (sharedSocket != null) {
                sharedSocket.forgetPeer(peer);
            }
            closedHandler.accept(reason);
        }
    }
}
