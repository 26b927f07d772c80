package io.quicbond.transport.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay between a client and a server that can be switched to drop everything, like a cellular link that
 * dies without a word, to lose packets toward the server at random, or to move to new source ports like a carrier
 * NAT that rebinds. Like a NAT, it gives each client source address its own port toward the server, and sends
 * what comes back on that port to that client only. (The full link emulator with rate, delay and loss lives in
 * the interop module.)
 */
final class FakeBlackholeRelay implements AutoCloseable {
    private final DatagramSocket front;
    /** Client source address to the socket that is its mapping toward the server. */
    private final Map<SocketAddress, DatagramSocket> mappings = new ConcurrentHashMap<>();
    private final InetSocketAddress target;
    private volatile boolean closed;
    private volatile boolean blackholed;
    private volatile double upstreamLoss;
    private final java.util.Random lossDice = new java.util.Random(42);
    private final java.util.concurrent.atomic.AtomicLong bytesUp = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicLong bytesDown = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicInteger largestUp = new AtomicInteger();
    private final AtomicInteger largestDown = new AtomicInteger();
    private volatile int dropAbove = Integer.MAX_VALUE;

    FakeBlackholeRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        front.setReceiveBufferSize(4 << 20);
        Thread.ofPlatform().daemon().start(() -> pump(front, true, null));
    }

    /** A new port toward the server for {@code client}, whose answers go to that client. */
    private DatagramSocket openMapping(SocketAddress client) {
        try {
            DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            socket.setReceiveBufferSize(4 << 20);
            Thread.ofPlatform().daemon().start(() -> pump(socket, false, client));
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * From now on the server sees each client at a new port, and the old mappings are gone: what the server still
     * sends to an old port is lost, as behind a carrier NAT that rebinds.
     */
    void rebind() {
        for (SocketAddress client : mappings.keySet()) {
            DatagramSocket old = mappings.put(client, openMapping(client));
            if (old != null) {
                old.close();
            }
        }
        bytesDown.set(0);
    }

    private void pump(DatagramSocket from, boolean upstream, SocketAddress client) {
        byte[] buf = new byte[65535];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                from.receive(p);
                (upstream ? largestUp : largestDown).accumulateAndGet(p.getLength(), Math::max);
                if (blackholed || p.getLength() > dropAbove
                        || (upstream && upstreamLoss > 0 && lossDice.nextDouble() < upstreamLoss)) {
                    continue;
                }
                (upstream ? bytesUp : bytesDown).addAndGet(p.getLength());
                try {
                    if (upstream) {
                        if (closed) {
                            return;
                        }
                        mappings.computeIfAbsent(p.getSocketAddress(), this::openMapping)
                                .send(new DatagramPacket(p.getData(), p.getLength(), target));
                    } else {
                        front.send(new DatagramPacket(p.getData(), p.getLength(), client));
                    }
                } catch (java.net.SocketException rebound) {
                    if (!upstream || front.isClosed()) {
                        throw rebound;
                    }
                    // The mapping's socket was replaced while sending: this one packet is lost.
                }
            }
        } catch (IOException closed) {
            // relay closed, or this mapping rebound
        }
    }

    InetSocketAddress address() {
        return (InetSocketAddress) front.getLocalSocketAddress();
    }

    /** Bytes relayed from the client toward the server so far. */
    long bytesUp() {
        return bytesUp.get();
    }

    /** Bytes relayed from the server toward the client so far (since the last {@link #rebind()}). */
    long bytesDown() {
        return bytesDown.get();
    }

    /** The largest UDP payload seen toward the server, and toward the client, dropped or not. */
    int largestUp() {
        return largestUp.get();
    }

    int largestDown() {
        return largestDown.get();
    }

    /** Drops every datagram with a payload above this, either way: a path with a smaller MTU. */
    void dropAbove(int payloadBytes) {
        dropAbove = payloadBytes;
    }

    void blackhole(boolean on) {
        blackholed = on;
    }

    /** Drops this share of the packets toward the server, at random (seeded). */
    void upstreamLoss(double share) {
        upstreamLoss = share;
    }

    @Override
    public void close() {
        closed = true;
        front.close();
        mappings.values().forEach(DatagramSocket::close);
    }
}
