package io.quicbond.transport.engine.kwik;

import io.quicbond.transport.os.SocketPlacement;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The UDP socket kwik sends and receives on, made safe for kwik 0.10.9's habits:
 * <ul>
 *   <li>kwik's server connector calls {@code System.exit(9)} when {@code receive} throws while it is not
 *   closing (KWIK.md defect 6). Transient receive errors (ICMP port unreachable surfacing as
 *   {@code PortUnreachableException}, ENOBUFS) are therefore retried here; only a closed socket throws.</li>
 *   <li>A failed {@code send} is treated like a lost packet (which is what it is on a WAN) instead of
 *   surfacing into kwik's sender thread.</li>
 * </ul>
 * It also counts received packets, which tells the bond that a link is alive even while the bond's own
 * probes are queued behind data. Thread-safe as {@link DatagramSocket} is.
 */
final class ResilientDatagramSocket extends DatagramSocket {
    private static final Logger LOG = Logger.getLogger(ResilientDatagramSocket.class.getName());
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final AtomicLong packetsReceived = new AtomicLong();
    /** Server sockets: when each peer was last heard from, so that each connection can tell it is alive. */
    private final java.util.concurrent.ConcurrentHashMap<SocketAddress, long[]> lastHeardByPeer;

    /**
     * A placed socket's own channel, whose adaptor does the I/O (a {@link DatagramSocket} hides its descriptor, a
     * channel does not, and the mark must be set on the descriptor); null for an ordinary socket.
     */
    private final DatagramChannel placedChannel;
    private final DatagramSocket placed;

    ResilientDatagramSocket(SocketAddress bind) throws SocketException {
        this(bind, false);
    }

    ResilientDatagramSocket(SocketAddress bind, boolean trackPeers) throws SocketException {
        super(bind);
        lastHeardByPeer = trackPeers ? new java.util.concurrent.ConcurrentHashMap<>() : null;
        placedChannel = null;
        placed = null;
        enlargeBuffers(this);
    }

    /**
     * A client socket with {@code placement}'s mark and device, set before it is bound.
     *
     * @throws IOException when the mark cannot be set or the bind fails
     */
    ResilientDatagramSocket(SocketAddress bind, SocketPlacement placement) throws IOException {
        // The superclass's own (unbound) socket is closed at once: every method kwik and this engine call is
        // overridden to use the placed channel, and any other call fails loudly on the closed one.
        super((SocketAddress) null);
        super.close();
        lastHeardByPeer = null;
        java.net.InetAddress source = bind instanceof java.net.InetSocketAddress a ? a.getAddress() : null;
        // A given source address fixes the family (an IPv4-only socket, as ss shows it); a wildcard is dual-stack.
        DatagramChannel channel = source == null || source.isAnyLocalAddress() ? DatagramChannel.open()
                : DatagramChannel.open(source instanceof java.net.Inet4Address ? java.net.StandardProtocolFamily.INET
                : java.net.StandardProtocolFamily.INET6);
        try {
            placement.applyTo(channel);
            channel.bind(bind);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        placedChannel = channel;
        placed = channel.socket();
        enlargeBuffers(placed);
    }

    /** A client socket, placed when {@code placement} asks for anything. @throws SocketException as kwik's factory may */
    static ResilientDatagramSocket client(SocketAddress bind, SocketPlacement placement) throws SocketException {
        if (placement.isNone()) {
            return new ResilientDatagramSocket(bind);
        }
        try {
            return new ResilientDatagramSocket(bind, placement);
        } catch (SocketException e) {
            throw e;
        } catch (IOException e) {
            SocketException wrapped = new SocketException("uplink socket (" + placement + "): " + e.getMessage());
            wrapped.initCause(e);
            throw wrapped;
        }
    }

    private static void enlargeBuffers(DatagramSocket socket) {
        try {
            socket.setReceiveBufferSize(SOCKET_BUFFER_BYTES);
            socket.setSendBufferSize(SOCKET_BUFFER_BYTES);
        } catch (SocketException e) {
            LOG.log(Level.FINE, "could not enlarge socket buffers", e);
        }
    }

    /** The placed socket's channel (tests read its mark back); null for an ordinary socket. */
    DatagramChannel placedChannel() {
        return placedChannel;
    }

    @Override
    public synchronized void setReceiveBufferSize(int size) throws SocketException {
        if (placed != null) {
            placed.setReceiveBufferSize(size);
        } else {
            super.setReceiveBufferSize(size);
        }
    }

    @Override
    public synchronized int getReceiveBufferSize() throws SocketException {
        return placed != null ? placed.getReceiveBufferSize() : super.getReceiveBufferSize();
    }

    @Override
    public synchronized void setSendBufferSize(int size) throws SocketException {
        if (placed != null) {
            placed.setSendBufferSize(size);
        } else {
            super.setSendBufferSize(size);
        }
    }

    @Override
    public synchronized int getSendBufferSize() throws SocketException {
        return placed != null ? placed.getSendBufferSize() : super.getSendBufferSize();
    }

    @Override
    public synchronized void setSoTimeout(int timeout) throws SocketException {
        if (placed != null) {
            placed.setSoTimeout(timeout);
        } else {
            super.setSoTimeout(timeout);
        }
    }

    @Override
    public synchronized int getSoTimeout() throws SocketException {
        return placed != null ? placed.getSoTimeout() : super.getSoTimeout();
    }

    @Override
    public int getLocalPort() {
        return placed != null ? placed.getLocalPort() : super.getLocalPort();
    }

    @Override
    public java.net.InetAddress getLocalAddress() {
        return placed != null ? placed.getLocalAddress() : super.getLocalAddress();
    }

    @Override
    public SocketAddress getLocalSocketAddress() {
        return placed != null ? placed.getLocalSocketAddress() : super.getLocalSocketAddress();
    }

    @Override
    public boolean isBound() {
        return placed != null ? placed.isBound() : super.isBound();
    }

    @Override
    public boolean isClosed() {
        return placed != null ? placed.isClosed() : super.isClosed();
    }

    @Override
    public void close() {
        if (placed != null) {
            placed.close();
        } else {
            super.close();
        }
    }

    @Override
    public void receive(DatagramPacket packet) throws IOException {
        int capacity = packet.getData().length - packet.getOffset();
        while (true) {
            try {
                if (placed != null) {
                    placed.receive(packet);
                } else {
                    super.receive(packet);
                }
                packetsReceived.incrementAndGet();
                long now = System.nanoTime();
                if (lastHeardByPeer != null) {
                    long[] slot = lastHeardByPeer.get(packet.getSocketAddress());
                    if (slot == null) {
                        if (lastHeardByPeer.size() < 100_000) {
                            lastHeardByPeer.put(packet.getSocketAddress(), new long[]{now, 1});
                        }
                    } else {
                        slot[0] = now;
                        slot[1]++;
                    }
                }
                return;
            } catch (SocketTimeoutException timeout) {
                throw timeout;
            } catch (IOException e) {
                if (isClosed()) {
                    throw e;
                }
                LOG.log(Level.FINE, "transient receive error, retrying", e);
                packet.setLength(capacity);
            }
        }
    }

    @Override
    public void send(DatagramPacket packet) throws IOException {
        try {
            if (placed != null) {
                placed.send(packet);
            } else {
                super.send(packet);
            }
        } catch (IOException e) {
            if (isClosed()) {
                throw e;
            }
            // A send error on a WAN link (no route for a moment, ENOBUFS) is a lost packet; QUIC recovers it.
            LOG.log(Level.FINE, "send failed, treated as loss", e);
        }
    }

    long packetsReceived() {
        return packetsReceived.get();
    }

    /** Packets received from {@code peer} (server sockets), or -1 when unknown. */
    long packetsFrom(SocketAddress peer) {
        long[] slot = lastHeardByPeer == null || peer == null ? null : lastHeardByPeer.get(peer);
        return slot == null ? -1 : slot[1];
    }

    /** Forgets a peer whose connection ended. */
    void forgetPeer(SocketAddress peer) {
        if (lastHeardByPeer != null && peer != null) {
            lastHeardByPeer.remove(peer);
        }
    }
}
