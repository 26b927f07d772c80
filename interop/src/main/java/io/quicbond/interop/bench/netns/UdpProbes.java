package io.quicbond.interop.bench.netns;

import io.quicbond.interop.emulator.ip.Netns;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed-rate UDP stream whose packets carry a sequence number and their send time ({@link System#nanoTime()},
 * which is CLOCK_MONOTONIC and so shared by all namespaces of the machine), sent from one namespace and received
 * in another by this same JVM, so that one-way latency is exact. The receiver keeps the first copy of each
 * sequence number and counts duplicates. Threads: the caller sends; a platform thread receives.
 */
final class UdpProbes implements AutoCloseable {
    private static final int HEADER = 16;

    /**
     * @param sent         packets sent in the measured phase
     * @param received     distinct packets received
     * @param duplicates   copies beyond the first (redundant paths deliver several)
     * @param latenciesMs  one-way latency of each distinct packet, in arrival order
     */
    record Result(long sent, long received, long duplicates, List<Double> latenciesMs) {
        double residualLoss() {
            return sent == 0 ? Double.NaN : 1 - (double) received / sent;
        }

        double percentileMs(double p) {
            if (latenciesMs.isEmpty()) {
                return Double.NaN;
            }
            List<Double> sorted = latenciesMs.stream().sorted().toList();
            int i = (int) Math.ceil(p / 100 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
        }
    }

    private final DatagramChannel receiver;
    private final DatagramChannel sender;
    private final InetSocketAddress to;
    private final Thread receiving;
    private final BitSet seen = new BitSet();
    private final List<Double> latencies = new ArrayList<>();
    private long duplicates;
    private long measuredFrom = Long.MAX_VALUE;
    private long nextSeq;
    private volatile boolean closed;

    /**
     * @param bind  the sender's source address, or null for any
     * @param to    where the sender sends (the receiver itself, or a forward that leads to it)
     */
    UdpProbes(String senderNs, InetSocketAddress bind, InetSocketAddress to, String receiverNs,
              InetSocketAddress listen) throws IOException {
        this.to = to;
        this.receiver = Netns.call(receiverNs, () -> {
            DatagramChannel ch = DatagramChannel.open();
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
            ch.bind(listen);
            return ch;
        });
        this.sender = Netns.call(senderNs, () -> {
            DatagramChannel ch = DatagramChannel.open();
            ch.bind(bind);
            return ch;
        });
        this.receiving = Thread.ofPlatform().daemon().name("udp-probes-rx").start(this::receiveLoop);
    }

    private void receiveLoop() {
        ByteBuffer buf = ByteBuffer.allocate(65535);
        while (!closed) {
            buf.clear();
            try {
                receiver.receive(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                continue;
            }
            long now = System.nanoTime();
            buf.flip();
            if (buf.remaining() < HEADER) {
                continue;
            }
            long seq = buf.getLong();
            long sentAt = buf.getLong();
            synchronized (this) {
                if (seq < measuredFrom || seq > Integer.MAX_VALUE) {
                    continue;
                }
                if (seen.get((int) seq)) {
                    duplicates++;
                } else {
                    seen.set((int) seq);
                    latencies.add((now - sentAt) / 1e6);
                }
            }
        }
    }

    /** Sends {@code count} packets of {@code size} bytes at {@code perSecond}, paced on absolute times. */
    void send(int count, int perSecond, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(Math.max(HEADER, size));
        long start = System.nanoTime();
        long step = 1_000_000_000L / perSecond;
        for (int i = 0; i < count; i++) {
            long due = start + i * step;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            buf.clear();
            buf.putLong(nextSeq++).putLong(System.nanoTime());
            buf.position(buf.capacity()).flip();
            sender.send(buf, to);
        }
    }

    /** Packets sent from now on are counted; earlier ones (warm-up, e.g. opening the bond's UDP flow) are not. */
    synchronized long startMeasuring() {
        measuredFrom = nextSeq;
        return measuredFrom;
    }

    /** Waits {@code graceMillis} for stragglers, then reports packets from {@code fromSeq} up to now. */
    Result result(long fromSeq, long toSeqExclusive, long graceMillis) throws InterruptedException {
        Thread.sleep(graceMillis);
        synchronized (this) {
            long received = seen.get((int) fromSeq, (int) toSeqExclusive).cardinality();
            return new Result(toSeqExclusive - fromSeq, received, duplicates, List.copyOf(latencies));
        }
    }

    /** The sequence number the next packet will carry. */
    long nextSeq() {
        return nextSeq;
    }

    /** Forgets what was received so far (latencies, duplicates) and counts from the next packet. */
    synchronized void reset() {
        latencies.clear();
        duplicates = 0;
        measuredFrom = nextSeq;
    }

    @Override
    public void close() {
        closed = true;
        try {
            receiver.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            sender.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            receiving.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
