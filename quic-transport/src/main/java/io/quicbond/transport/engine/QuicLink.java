package io.quicbond.transport.engine;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.function.Consumer;

/**
 * One QUIC connection (one uplink). Handlers are called on engine threads and must not block: hand work to
 * another thread. All methods are thread-safe.
 */
public interface QuicLink {

    /** Opens a bidirectional stream (the client opens the bond stream right after connecting). */
    LinkStream openStream() throws IOException;

    /** Streams the peer opens; set before the peer can open any (server: in the accept callback). */
    void onPeerStream(Consumer<LinkStream> handler);

    /**
     * The largest datagram payload this connection really sends, already corrected for engine quirks;
     * 0 when datagrams are not available.
     */
    int maxDatagramPayload();

    /** Queues a datagram; returns false when it cannot be sent (too large, not negotiated, closed). */
    boolean sendDatagram(byte[] payload);

    void onDatagram(Consumer<byte[]> handler);

    /** Called once when the connection ends, with the reason (peer close, idle timeout, socket error). */
    void onClosed(Consumer<String> handler);

    /** The application error code the peer closed with, or -1 (still open, or closed without one). */
    long peerCloseCode();

    LinkStats stats();

    /**
     * The latest figures without waiting: for callers on a tight loop (the session judges busy uplinks every
     * 20 ms). An engine whose figures cost a round trip to its own thread returns the last ones and refreshes
     * them in the background; by default the same as {@link #stats()}.
     */
    default LinkStats recentStats() {
        return stats();
    }

    InetSocketAddress peerAddress();

    /** Closes with an application error code and a reason the peer sees. Idempotent. */
    void close(long applicationErrorCode, String reason);
}
