package io.quicbond.interop.emulator;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A test endpoint on 127.0.0.1 that timestamps every datagram on arrival and can echo it back. Probes carry a
 * sequence number and their send time ({@link System#nanoTime()}, the same clock on both ends in one JVM), so
 * one-way delays are measured directly.
 */
final class UdpPeer implements AutoCloseable {

    record Arrival(long atNanos, long seq, long sentNanos, int size, SocketAddress from) {
        long oneWayNanos() {
            return atNanos - sentNanos;
        }
    }

    private final DatagramChannel channel;
    private final boolean echo;
    private final ConcurrentLinkedQueue<Arrival> arrivals = new ConcurrentLinkedQueue<>();
    private final Thread receiver;
    private volatile SocketAddress lastSender;

    private UdpPeer(boolean echo) throws IOException {
        this.echo = echo;
        channel = DatagramChannel.open(StandardProtocolFamily.INET);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, 4 * 1024 * 1024);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, 4 * 1024 * 1024);
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        receiver = Thread.ofPlatform().daemon().name("udp-peer-" + address().getPort()).start(this::receive);
    }

    static UdpPeer receiver() throws IOException {
        return new UdpPeer(false);
    }

    static UdpPeer echo() throws IOException {
        return new UdpPeer(true);
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Who sent the latest datagram: for a target behind a relay, the relay's own upstream socket. */
    SocketAddress lastSender() {
        return lastSender;
    }

    void send(SocketAddress to, long seq, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(Math.max(size, 16));
        b.putLong(seq).putLong(System.nanoTime());
        b.position(0).limit(size);
        channel.send(b, to);
    }

    /**
     * Sends {@code count} probes of {@code size} bytes paced at {@code bitsPerSecond}, but at first a burst of
     * {@code burst}; pacing is by absolute schedule, so hiccups are caught up rather than lowering the rate.
     */
    void sendPaced(SocketAddress to, int count, int size, long bitsPerSecond, int burst) throws IOException {
        long gap = Shaper.serialisationNanos(size, bitsPerSecond);
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            if (i >= burst) {
                long wait = start + (i - burst) * gap - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
            send(to, i, size);
        }
    }

    List<Arrival> arrivals() {
        return new ArrayList<>(arrivals);
    }

    int count() {
        return arrivals.size();
    }

    /** Waits until {@code n} datagrams have arrived or the timeout passes; returns how many did. */
    int await(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (arrivals.size() < n && deadline - System.nanoTime() > 0) {
            LockSupport.parkNanos(1_000_000);
        }
        return arrivals.size();
    }

    /** Waits until nothing has arrived for {@code quiet}, so counts are final. */
    void awaitQuiet(Duration quiet, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = -1;
        while (deadline - System.nanoTime() > 0) {
            int now = arrivals.size();
            if (now == seen) {
                return;
            }
            seen = now;
            LockSupport.parkNanos(quiet.toNanos());
        }
    }

    void clear() {
        arrivals.clear();
    }

    private void receive() {
        ByteBuffer b = ByteBuffer.allocateDirect(65_535);
        while (true) {
            b.clear();
            SocketAddress from;
            try {
                from = channel.receive(b);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            long now = System.nanoTime();
            b.flip();
            int size = b.remaining();
            lastSender = from;
            if (echo) {
                try {
                    channel.send(b.duplicate(), from);
                } catch (IOException e) {
                    return;
                }
            }
            long seq = size >= 16 ? b.getLong(0) : -1;
            long sent = size >= 16 ? b.getLong(8) : now;
            arrivals.add(new Arrival(now, seq, sent, size, from));
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
        try {
            receiver.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
