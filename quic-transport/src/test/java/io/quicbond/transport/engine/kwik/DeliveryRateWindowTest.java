package io.quicbond.transport.engine.kwik;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeliveryRateWindowTest {
    private static final int PACKET = 1200;
    private static final long MS = 1_000_000L;

    /**
     * A path with a bottleneck of {@code bytesPerSecond}, a fixed base RTT and random loss, driven by a sender that
     * sends whenever the window has room: every packet waits its turn at the bottleneck, then half the RTT, and its
     * acknowledgement the other half. Time is simulated, in 100-µs ticks.
     */
    private static final class Path {
        final DeliveryRateWindow window = new DeliveryRateWindow();
        final Random random = new Random(7);
        final long baseRttNanos;
        double bytesPerSecond;
        double loss;
        /** Acknowledgements are held and released together every this many nanoseconds (0: each on time). */
        long ackBunchNanos;

        long now;
        long inFlight;
        long bottleneckFreeAt;
        long deliveredBytes;
        private final ArrayDeque<long[]> acks = new ArrayDeque<>(); // {ackAt, sentIndex}
        private final java.util.List<DeliveryRateWindow.SendState> sent = new java.util.ArrayList<>();

        Path(double bytesPerSecond, long baseRttNanos, double loss) {
            this.bytesPerSecond = bytesPerSecond;
            this.baseRttNanos = baseRttNanos;
            this.loss = loss;
        }

        /** Runs for {@code nanos}; returns the bytes delivered meanwhile. */
        long run(long nanos) {
            long end = now + nanos;
            long before = deliveredBytes;
            while (now < end) {
                while (inFlight + PACKET <= window.window()) {
                    send();
                }
                now += 100_000;
                while (!acks.isEmpty() && acks.peek()[0] <= now) {
                    long[] a = acks.poll();
                    inFlight -= PACKET;
                    if (a[1] >= 0) {
                        window.onAcked(PACKET, sent.get((int) a[1]), a[0]);
                        deliveredBytes += PACKET;
                    }
                }
            }
            return deliveredBytes - before;
        }

        private void send() {
            inFlight += PACKET;
            long serviceNanos = (long) (PACKET * 1e9 / bytesPerSecond);
            bottleneckFreeAt = Math.max(bottleneckFreeAt, now) + serviceNanos;
            long ackAt = bottleneckFreeAt + baseRttNanos;
            if (ackBunchNanos > 0) {
                ackAt = (ackAt / ackBunchNanos + 1) * ackBunchNanos;
            }
            boolean lost = random.nextDouble() < loss;
            if (lost) {
                acks.add(new long[] {ackAt, -1}); // the sender learns of it about as late; it just leaves the window
            } else {
                sent.add(window.onSent(now));
                acks.add(new long[] {ackAt, sent.size() - 1});
            }
        }

        long bdp() {
            return (long) (bytesPerSecond * baseRttNanos / 1e9);
        }
    }

    @Test
    void startupFindsThePathsRateWithinAFewRoundTripsAndThenEnds() {
        Path path = new Path(5_000_000, 40 * MS, 0); // 40 Mbit/s, 40 ms
        long largest = 0;
        // Startup ends three round trips after the rate stops growing, and those are longer than 40 ms by the
        // queue the startup built (up to 1.9 BDP here, since this path never drops): about 650 ms in all.
        for (int i = 0; i < 100; i++) {
            path.run(10 * MS);
            largest = Math.max(largest, path.window.window());
        }
        assertFalse(path.window.inStartup(), "startup still on after a second (25 base round trips)");
        assertTrue(largest <= 3 * path.bdp(), "startup's window reached " + largest + " B, BDP " + path.bdp());
        long delivered = path.run(1000 * MS);
        assertTrue(delivered > 0.95 * 5_000_000, "delivered " + delivered + " B in a second at 5 MB/s");
        assertEquals(40 * MS, path.window.minRttNanos(), 2 * MS);
    }

    @Test
    void theWindowSettlesAtTwiceTheBandwidthDelayProduct() {
        Path path = new Path(2_500_000, 100 * MS, 0); // 20 Mbit/s, 100 ms
        path.run(5000 * MS);
        double ratio = (double) path.window.window() / path.bdp();
        assertTrue(ratio > 1.8 && ratio < 2.3, "window / BDP = " + ratio);
        assertEquals(2_500_000, path.window.bandwidth(), 2_500_000 * 0.05);
    }

    @Test
    void randomLossDoesNotShrinkTheWindow() {
        Path path = new Path(5_000_000, 40 * MS, 0.01);
        path.run(3000 * MS);
        long smallest = Long.MAX_VALUE;
        long delivered = 0;
        for (int i = 0; i < 50; i++) {
            delivered += path.run(100 * MS);
            smallest = Math.min(smallest, path.window.window());
        }
        assertTrue(smallest > 1.5 * path.bdp(), "window fell to " + smallest + " B, BDP " + path.bdp());
        // NewReno on this path halves at every loss: about 12 losses per round trip here.
        assertTrue(delivered > 0.9 * 5_000_000 * 5, "delivered " + delivered + " B in 5 s at 1 % loss");
    }

    @Test
    void aLinkThatSlowsDownGetsASmallerWindowWithinTheBandwidthMemory() {
        Path path = new Path(5_000_000, 40 * MS, 0);
        path.run(3000 * MS);
        long before = path.window.window();
        path.bytesPerSecond = 1_250_000; // a quarter
        // The window's bytes now take 4 times as long to cross: a round trip is about 360 ms until it shrinks.
        path.run(360 * MS * (DeliveryRateWindow.BANDWIDTH_ROUNDS + 5));
        long after = path.window.window();
        assertTrue(after < before / 2, "window " + before + " B before, " + after + " B after the link slowed");
        assertTrue(after > 1.5 * path.bdp() && after < 2.5 * path.bdp(), "window " + after + ", BDP " + path.bdp());
    }

    @Test
    void bunchedAcknowledgementsDoNotMakeThePathLookFaster() {
        Path path = new Path(2_500_000, 60 * MS, 0);
        path.ackBunchNanos = 20 * MS; // acks released every 20 ms, as a radio link's scheduler does
        path.run(5000 * MS);
        assertTrue(path.window.bandwidth() < 2_500_000 * 1.15, "bandwidth " + path.window.bandwidth() + " B/s");
    }

    @Test
    void anIdlePathStillGetsTheMinimumWindow() {
        DeliveryRateWindow w = new DeliveryRateWindow();
        DeliveryRateWindow.SendState s = w.onSent(0);
        w.onAcked(100, s, 10 * MS);
        assertTrue(w.window() >= DeliveryRateWindow.MIN_WINDOW_BYTES);
    }

    @Test
    void theMinimumRttExpiresSoAMovedPathIsRelearned() {
        DeliveryRateWindow w = new DeliveryRateWindow();
        w.onAcked(PACKET, w.onSent(0), 10 * MS);
        assertEquals(10 * MS, w.minRttNanos());
        long t = 20 * MS;
        w.onAcked(PACKET, w.onSent(t), t + 50 * MS); // higher, not taken yet
        assertEquals(10 * MS, w.minRttNanos());
        t += DeliveryRateWindow.MIN_RTT_EXPIRY_NANOS + MS;
        w.onAcked(PACKET, w.onSent(t), t + 50 * MS);
        assertEquals(50 * MS, w.minRttNanos());
    }
}
