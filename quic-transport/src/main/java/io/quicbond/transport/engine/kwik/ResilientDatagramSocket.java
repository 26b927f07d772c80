package io.quicbond.transport.engine.kwik;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
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

    ResilientDatagramSocket(SocketAddress bind) throws SocketException {
        this(bind, false);
    }

    ResilientDatagramSocket(SocketAddress bind, boolean trackPeers) throws SocketException {
        super(bind);
        lastHeardByPeer = trackPeers ? new java.util.concurrent.ConcurrentHashMap<>() : null;
        try {
            setReceiveBufferSize(SOCKET_BUFFER_BYTES);
            setSendBufferSize(SOCKET_BUFFER_BYTES);
        } catch (SocketException e) {
            LOG.log(Level.FINE, "could not enlarge socket buffers", e);
        }
    }

    @Override
    public void receive(DatagramPacket packet) throws IOException {
        int capacity = packet.getData().length - packet.getOffset();
        while (true) {
            try {
                super.receive(packet);
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
            super.send(packet);
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
