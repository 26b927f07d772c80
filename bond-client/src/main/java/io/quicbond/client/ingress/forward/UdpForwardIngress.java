package io.quicbond.client.ingress.forward;

import io.quicbond.client.ingress.Ingress;
import io.quicbond.client.ingress.TcpAcceptor;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.UdpFlow;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A UDP port forward: datagrams to the local port go to one fixed destination, one {@link UdpFlow} per client
 * source address, and the destination's replies go back to that source. A flow idle in both directions for
 * {@link UdpForwardSettings#idleTimeout()} is closed; the source's next datagram opens a new one.
 *
 * <p>Threads: one virtual thread receives, opens flows (so a slow {@link FlowTransport#openUdp} delays every
 * source) and expires idle ones; the transport's threads call back with replies, which are sent straight from
 * there. {@link #start()} and {@link #close()} from any thread.
 */
public final class UdpForwardIngress implements Ingress {
    private static final System.Logger LOG = System.getLogger(UdpForwardIngress.class.getName());
    /** Bounds the memory many sources can pin; datagrams from further sources are dropped. */
    static final int MAX_FLOWS = 4096;

    private final UdpForwardSettings settings;
    private final FlowTransport transport;
    private final Map<InetSocketAddress, Peer> peers = new ConcurrentHashMap<>();
    private volatile DatagramSocket socket;
    private volatile Thread receiveThread;
    private volatile boolean closed;

    /** A client source and its flow; {@code lastActive} is touched by both threads. */
    private static final class Peer {
        final UdpFlow flow;
        volatile long lastActiveNanos = System.nanoTime();

        Peer(UdpFlow flow) {
            this.flow = flow;
        }
    }

    public UdpForwardIngress(UdpForwardSettings settings, FlowTransport transport) {
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    public synchronized void start() throws IOException {
        if (socket != null || closed) {
            throw new IllegalStateException("udp-forward already started");
        }
        try {
            socket = new DatagramSocket(settings.listen());
        } catch (SocketException e) {
            throw new IOException("udp-forward: cannot bind " + settings.listen(), e);
        }
        // Wake up at least this often to expire idle flows even when no datagram comes.
        socket.setSoTimeout((int) Math.clamp(sweepInterval() / 1_000_000, 1, 1_000));
        receiveThread = Thread.ofVirtual().name("udp-forward").start(this::receiveLoop);
    }

    @Override
    public InetSocketAddress boundAddress() {
        DatagramSocket s = socket;
        if (s == null) {
            throw new IllegalStateException("udp-forward not started");
        }
        return (InetSocketAddress) s.getLocalSocketAddress();
    }

    private long sweepInterval() {
        return settings.idleTimeout().toNanos() / 4;
    }

    private void receiveLoop() {
        byte[] buffer = new byte[65535];
        var packet = new DatagramPacket(buffer, buffer.length);
        long nextSweep = System.nanoTime() + sweepInterval();
        while (!closed) {
            packet.setLength(buffer.length);
            try {
                socket.receive(packet);
                var source = (InetSocketAddress) packet.getSocketAddress();
                Peer peer = peerFor(source);
                if (peer != null) {
                    peer.lastActiveNanos = System.nanoTime();
                    peer.flow.send(Arrays.copyOfRange(buffer, packet.getOffset(), packet.getOffset()
                            + packet.getLength()));
                }
            } catch (SocketTimeoutException e) {
                // time to look for idle flows
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "udp-forward: receive failed, stopping", e);
                }
                close();
                return;
            }
            long now = System.nanoTime();
            if (now - nextSweep >= 0) {
                expireIdle(now);
                nextSweep = now + sweepInterval();
            }
        }
    }

    private Peer peerFor(InetSocketAddress source) {
        Peer peer = peers.get(source);
        if (peer != null) {
            return peer;
        }
        if (peers.size() >= MAX_FLOWS) {
            LOG.log(System.Logger.Level.DEBUG, () -> "udp-forward: too many sources, dropped datagram from " + source);
            return null;
        }
        Peer[] holder = new Peer[1];
        UdpFlow flow;
        try {
            flow = transport.openUdp(settings.destination(), payload -> reply(source, holder[0], payload));
        } catch (FlowOpenException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "udp-forward: flow to " + settings.destination() + " failed: "
                    + e.getMessage());
            return null;
        }
        peer = new Peer(flow);
        holder[0] = peer;
        peers.put(source, peer);
        if (closed) {
            flow.close(); // close() may have run while this flow was opening
            return null;
        }
        return peer;
    }

    private void reply(InetSocketAddress source, Peer peer, byte[] payload) {
        if (peer != null) {
            peer.lastActiveNanos = System.nanoTime();
        }
        try {
            socket.send(new DatagramPacket(payload, payload.length, source));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "udp-forward: reply to " + source + " dropped: " + e);
        }
    }

    private void expireIdle(long now) {
        long idle = settings.idleTimeout().toNanos();
        for (Iterator<Map.Entry<InetSocketAddress, Peer>> it = peers.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<InetSocketAddress, Peer> e = it.next();
            if (now - e.getValue().lastActiveNanos >= idle) {
                it.remove();
                e.getValue().flow.close();
                LOG.log(System.Logger.Level.DEBUG, () -> "udp-forward: " + e.getKey() + " idle, flow closed");
            }
        }
    }

    /** Number of live flows (client sources); for tests and status. */
    int flowCount() {
        return peers.size();
    }

    @Override
    public void close() {
        closed = true;
        DatagramSocket s = socket;
        if (s != null) {
            s.close();
        }
        peers.values().forEach(p -> p.flow.close());
        peers.clear();
        TcpAcceptor.awaitExit(receiveThread);
    }
}
