package io.quicbond.transport.session;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay between one client and a server that can be switched to drop everything, like a cellular link
 * that dies without a word, to lose packets toward the server at random, or to move to a new source port like
 * a carrier NAT that rebinds. (The full link emulator with rate, delay and loss lives in the interop module.)
 */
final class FakeBlackholeRelay implements AutoCloseable {
    private final DatagramSocket front;
    private volatile DatagramSocket back;
    private final InetSocketAddress target;
    private volatile SocketAddress client;
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
        back = openBack();
        Thread.ofPlatform().daemon().start(() -> pump(front, true));
    }

    private DatagramSocket openBack() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(4 << 20);
        Thread.ofPlatform().daemon().start(() -> pump(socket, false));
        return socket;
    }

    /**
     * From now on the server sees the client at a new port, and the old mapping is gone: what the server still
     * sends to the old port is lost, as behind a carrier NAT that rebinds.
     */
    void rebind() throws IOException {
        DatagramSocket old = back;
        back = openBack();
        old.close();
        bytesDown.set(0);
    }

    private void pump(DatagramSocket from, boolean upstream) {
        byte[] buf = new byte[65535];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                from.receive(p);
                if (upstream) {
                    client = p.getSocketAddress();
                }
                (upstream ? largestUp : largestDown).accumulateAndGet(p.getLength(), Math::max);
                if (blackholed || p.getLength() > dropAbove
                        || (upstream && upstreamLoss > 0 && lossDice.nextDouble() < upstreamLoss)) {
                    continue;
                }
                (upstream ? bytesUp : bytesDown).addAndGet(p.getLength());
                SocketAddress to = upstream ? target : client;
                if (to != null) {
                    try {
                        (upstream ? back : front).send(new DatagramPacket(p.getData(), p.getLength(), to));
                    } catch (java.net.SocketException rebound) {
                        if (!upstream || front.isClosed()) {
                            throw rebound;
                        }
                        // The server-side socket was replaced while sending: this one packet is lost.
                    }
                }
            }
        } catch (IOException closed) {
            // relay closed
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
        front.close();
        back.close();
    }
}
