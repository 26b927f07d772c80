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
 * that dies without a word, or to lose packets toward the server at random. (The full link emulator with rate, delay and loss lives in the interop module.)
 */
final class FakeBlackholeRelay implements AutoCloseable {
    private final DatagramSocket front;
    private final DatagramSocket back;
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
        back = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        front.setReceiveBufferSize(4 << 20);
        back.setReceiveBufferSize(4 << 20);
        Thread.ofPlatform().daemon().start(() -> pump(front, true));
        Thread.ofPlatform().daemon().start(() -> pump(back, false));
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
                    (upstream ? back : front).send(new DatagramPacket(p.getData(), p.getLength(), to));
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

    /** Bytes relayed from the server toward the client so far. */
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
