package io.quicbond.client.ingress.transparent;

import io.quicbond.client.ingress.Ingress;
import io.quicbond.client.ingress.TcpAcceptor;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.UdpFlow;
import io.quicbond.transport.os.OriginalDestinationReceiver;
import io.quicbond.transport.os.TransparentSockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * UDP from the LAN through nftables TPROXY. A transparent socket per address family receives each datagram with
 * its original destination ({@link OriginalDestinationReceiver}); each (LAN source, original destination) pair gets
 * a {@link UdpFlow} to that destination (or to the DNS resolver for port 53), and a reply socket bound, with
 * {@code IP_TRANSPARENT}, to the original destination and connected to the LAN source, so that replies leave with
 * the address the LAN host wrote to as their source. The kernel also delivers that pair's later datagrams to the
 * reply socket (TPROXY looks for a matching socket first), so it is read too. A pair idle in both directions for
 * {@link TransparentSettings#udpIdleTimeout()} is closed; its next datagram opens a new one.
 *
 * <p>Threads: one platform thread per address family receives (a blocking native call); one virtual thread per
 * pair reads its reply socket; one virtual thread expires idle pairs. Opening a flow happens on the receiving
 * thread, so a slow open delays other new pairs. Replies are sent on the transport's thread. {@link #start()} and
 * {@link #close()} from any thread.
 */
public final class TransparentUdpIngress implements Ingress {
    private static final System.Logger LOG = System.getLogger(TransparentUdpIngress.class.getName());
    /** Bounds the memory and sockets many pairs can pin; datagrams of further pairs are dropped. */
    static final int MAX_FLOWS = 4096;
    private static final Duration POLL = Duration.ofMillis(500);

    private record Key(InetSocketAddress source, InetSocketAddress original) {
    }

    private static final class Pair {
        final Key key;
        final DatagramChannel reply;
        volatile UdpFlow flow;
        volatile long lastActiveNanos = System.nanoTime();
        volatile Thread reader;

        Pair(Key key, DatagramChannel reply) {
            this.key = key;
            this.reply = reply;
        }

        void close() {
            TcpAcceptor.closeQuietly(reply);
            UdpFlow f = flow;
            if (f != null) {
                f.close();
            }
        }
    }

    private final TransparentSettings settings;
    private final FlowTransport transport;
    private final Map<Key, Pair> pairs = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong flowsStarted = new java.util.concurrent.atomic.AtomicLong();
    private final List<OriginalDestinationReceiver> receivers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean closed;

    public TransparentUdpIngress(TransparentSettings settings, FlowTransport transport) {
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    public synchronized void start() throws IOException {
        if (!receivers.isEmpty() || closed) {
            throw new IllegalStateException("transparent-udp already started");
        }
        try {
            receivers.add(OriginalDestinationReceiver.bind(
                    new InetSocketAddress(InetAddress.getByName("0.0.0.0"), settings.port()), POLL));
            if (settings.ipv6()) {
                receivers.add(OriginalDestinationReceiver.bind(new InetSocketAddress(InetAddress.getByName("::"),
                        receivers.getFirst().localAddress().getPort()), POLL));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (OriginalDestinationReceiver r : receivers) {
            threads.add(Thread.ofPlatform().daemon().name("transparent-udp-" + (r.ipv6() ? "v6" : "v4"))
                    .start(() -> receiveLoop(r)));
        }
        threads.add(Thread.ofVirtual().name("transparent-udp-idle").start(this::expireLoop));
    }

    /** UDP flows (LAN source, original destination) started since start. */
    public long flowsStarted() {
        return flowsStarted.get();
    }

    /** UDP flows open now. */
    public int openFlows() {
        return pairs.size();
    }

    @Override
    public InetSocketAddress boundAddress() {
        if (receivers.isEmpty()) {
            throw new IllegalStateException("transparent-udp not started");
        }
        try {
            return receivers.getFirst().localAddress();
        } catch (IOException e) {
            throw new IllegalStateException("transparent-udp closed", e);
        }
    }

    private void receiveLoop(OriginalDestinationReceiver receiver) {
        while (!closed) {
            OriginalDestinationReceiver.Datagram d;
            try {
                d = receiver.receive();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "transparent-udp: receive failed, stopping", e);
                }
                return;
            }
            if (d != null) {
                onDatagram(d.source(), d.originalDestination(), d.payload());
            }
        }
    }

    private void onDatagram(InetSocketAddress source, InetSocketAddress original, byte[] payload) {
        Key key = new Key(source, original);
        Pair pair = pairs.get(key);
        if (pair == null) {
            pair = open(key);
            if (pair == null) {
                return;
            }
        }
        pair.lastActiveNanos = System.nanoTime();
        pair.flow.send(payload);
    }

    /** Opens a pair; one opener at a time, so two threads never open the same pair twice. */
    private synchronized Pair open(Key key) {
        Pair existing = pairs.get(key);
        if (existing != null || closed) {
            return existing;
        }
        if (pairs.size() >= MAX_FLOWS) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transparent-udp: too many flows, dropped " + key);
            return null;
        }
        DatagramChannel reply;
        try {
            reply = replySocket(key.original(), key.source());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transparent-udp: no reply socket for " + key + ": " + e.getMessage());
            return null;
        }
        Pair pair = new Pair(key, reply);
        Destination destination = settings.route(TransparentSettings.unscoped(key.original()));
        try {
            pair.flow = transport.openUdp(destination, payload -> reply(pair, payload));
        } catch (FlowOpenException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transparent-udp: flow to " + destination + " failed: " + e.getMessage());
            TcpAcceptor.closeQuietly(reply);
            return null;
        }
        pairs.put(key, pair);
        flowsStarted.incrementAndGet();
        pair.reader = Thread.ofVirtual().name("transparent-udp-pair").start(() -> readReplySocket(pair));
        return pair;
    }

    /** Bound (transparently) to where the LAN host wrote, connected to the LAN host. */
    static DatagramChannel replySocket(InetSocketAddress original, InetSocketAddress source) throws IOException {
        DatagramChannel ch = DatagramChannel.open(TransparentSockets.familyOf(original));
        try {
            // Several LAN hosts may talk to the same destination (a public resolver): each pair binds it (SO_REUSEADDR).
            TransparentSockets.makeTransparent(ch, TransparentSockets.isIpv6(original));
            ch.bind(original);
            ch.connect(source);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("reply socket " + original + " -> " + source + ": " + e.getMessage(), e);
        }
    }

    /** Later datagrams of the pair that the kernel delivered to its connected reply socket. */
    private void readReplySocket(Pair pair) {
        ByteBuffer buffer = ByteBuffer.allocate(65535);
        while (!closed && pair.reply.isOpen()) {
            buffer.clear();
            InetSocketAddress from;
            try {
                from = (InetSocketAddress) pair.reply.receive(buffer);
            } catch (IOException e) {
                return; // closed: idle, or the ingress closed
            }
            if (from == null) {
                continue;
            }
            buffer.flip();
            onDatagram(from, pair.key.original(), Arrays.copyOf(buffer.array(), buffer.limit()));
        }
    }

    private void reply(Pair pair, byte[] payload) {
        pair.lastActiveNanos = System.nanoTime();
        try {
            pair.reply.write(ByteBuffer.wrap(payload));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transparent-udp: reply to " + pair.key + " dropped: " + e);
        }
    }

    private void expireLoop() {
        long idle = settings.udpIdleTimeout().toNanos();
        Duration sweep = Duration.ofNanos(Math.clamp(idle / 4, 10_000_000L, 1_000_000_000L));
        while (!closed) {
            try {
                Thread.sleep(sweep);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Pair p : pairs.values()) {
                if (now - p.lastActiveNanos >= idle && pairs.remove(p.key, p)) {
                    p.close();
                    LOG.log(System.Logger.Level.DEBUG, () -> "transparent-udp: " + p.key + " idle, flow closed");
                }
            }
        }
    }

    /** Number of live (source, original destination) pairs; for tests and status. */
    int flowCount() {
        return pairs.size();
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : threads) {
            t.interrupt();
            TcpAcceptor.awaitExit(t);
        }
        for (OriginalDestinationReceiver r : receivers) {
            TcpAcceptor.closeQuietly(r);
        }
        pairs.values().forEach(Pair::close);
        pairs.clear();
    }
}
