package io.quicbond.transport.engine.kwik;

/**
 * A congestion window set from what the path delivers rather than from loss: twice the best delivery rate of
 * the last {@link #BANDWIDTH_ROUNDS} round trips times the path's minimum RTT (BBR's window rule). A loss does
 * not shrink it; a link that really carries less shows that in its delivery rate, and the window follows within
 * {@link #BANDWIDTH_ROUNDS} round trips.
 *
 * <p>Why: kwik's only controller, NewReno, halves its window at every loss, and on a radio link losses are mostly
 * random, not congestion. With 1 % loss on the benchmark's 40 Mbit/s link the bond over kwik moved 10.5 Mbit/s,
 * less than one TCP (BBR) flow on that link alone. The bond paces every uplink itself and keeps each one's queue
 * short ({@code PacingController}), so the window here needs only to let a link's rate through and to stop a
 * runaway; it does not pace (kwik cannot).
 *
 * <p>Startup: the window grows by every acknowledged byte (doubling per round trip, as slow start does, but not
 * stopped by loss), up to {@link #STARTUP_WINDOW_GAIN} times the bandwidth-delay product, until the delivery rate
 * has not grown by {@link #STARTUP_GROWTH} for {@link #STARTUP_ROUNDS} round trips. In both phases a window
 * below its target grows towards it by the bytes acknowledged, and one above it drops to it.
 *
 * <p>Rate samples are BBR's: for each acknowledged packet, the bytes delivered between its sending and its
 * acknowledgement over the longer of the sending and the acknowledging intervals, so that acknowledgements
 * arriving in a bunch do not make the path look faster than it is.
 *
 * <p>Pure logic with the caller's clock; not thread-safe (its kwik adapter, {@link DeliveryRateController},
 * calls it under its own lock).
 */
final class DeliveryRateWindow {
    /** The window over the bandwidth-delay product. */
    static final double WINDOW_GAIN = 2.0;
    /**
     * The same in startup (BBR's 2/ln 2): the window may grow by every acknowledged byte but not past this many
     * bandwidth-delay products by the best rate so far, which doubles per round trip while the path has room and
     * stops when it is full, so the queue a startup builds is bounded even though loss does not stop it.
     */
    static final double STARTUP_WINDOW_GAIN = 2.89;
    /**
     * The window starts here and never goes below it: a path that delivered little lately still gets enough to show
     * its rate (about 26 of kwik's 1252-byte packets; NewReno starts kwik at 10).
     */
    static final long MIN_WINDOW_BYTES = 32 * 1024;
    /** Round trips the best delivery rate is remembered for. */
    static final int BANDWIDTH_ROUNDS = 10;
    /** How long the lowest RTT sample stands before a newer one replaces it, whatever its value. */
    static final long MIN_RTT_EXPIRY_NANOS = 10_000_000_000L;
    static final double STARTUP_GROWTH = 1.25;
    static final int STARTUP_ROUNDS = 3;

    /** What the window needs to remember about a packet while it is in flight. */
    record SendState(long deliveredAtSend, long deliveredNanosAtSend, long firstSentNanosAtSend, long sentNanos) {
    }

    private long delivered;
    private long deliveredNanos;
    private long firstSentNanos;
    private boolean anythingSent;

    private long round;
    private long roundEndsAtDelivered;
    private final double[] roundBest = new double[BANDWIDTH_ROUNDS];
    private final long[] roundOf = new long[BANDWIDTH_ROUNDS];

    private long minRttNanos = -1;
    private long minRttStampNanos;

    private boolean startup = true;
    private double startupBaseline;
    private int startupFlatRounds;

    private long window = MIN_WINDOW_BYTES;

    /** Call when a packet that counts towards the window is sent; keep the result with the packet. */
    SendState onSent(long nowNanos) {
        if (!anythingSent) {
            anythingSent = true;
            deliveredNanos = nowNanos;
            firstSentNanos = nowNanos;
        }
        return new SendState(delivered, deliveredNanos, firstSentNanos, nowNanos);
    }

    /**
     * Call for each acknowledged packet, oldest first.
     *
     * @param bytes the packet's size
     * @param sent  what {@link #onSent} returned for it
     */
    void onAcked(long bytes, SendState sent, long nowNanos) {
        delivered += bytes;
        deliveredNanos = nowNanos;
        firstSentNanos = sent.sentNanos;

        long rtt = nowNanos - sent.sentNanos;
        if (rtt > 0 && (minRttNanos < 0 || rtt <= minRttNanos || nowNanos - minRttStampNanos > MIN_RTT_EXPIRY_NANOS)) {
            minRttNanos = rtt;
            minRttStampNanos = nowNanos;
        }

        if (sent.deliveredAtSend >= roundEndsAtDelivered) {
            round++;
            roundEndsAtDelivered = delivered;
            if (startup) {
                checkStartupEnd();
            }
        }

        long sendInterval = sent.sentNanos - sent.firstSentNanosAtSend;
        long ackInterval = nowNanos - sent.deliveredNanosAtSend;
        long interval = Math.max(sendInterval, ackInterval);
        if (interval > 0) {
            recordRate((delivered - sent.deliveredAtSend) * 1e9 / interval);
        }

        long target = targetWindow();
        window = window < target ? Math.min(target, window + bytes) : target;
    }

    private void recordRate(double bytesPerSecond) {
        int slot = (int) (round % BANDWIDTH_ROUNDS);
        if (roundOf[slot] != round) {
            roundOf[slot] = round;
            roundBest[slot] = 0;
        }
        roundBest[slot] = Math.max(roundBest[slot], bytesPerSecond);
    }

    private void checkStartupEnd() {
        double best = bandwidth();
        if (best >= startupBaseline * STARTUP_GROWTH) {
            startupBaseline = best;
            startupFlatRounds = 0;
        } else if (++startupFlatRounds >= STARTUP_ROUNDS) {
            startup = false;
        }
    }

    private long targetWindow() {
        if (minRttNanos < 0) {
            return MIN_WINDOW_BYTES;
        }
        double gain = startup ? STARTUP_WINDOW_GAIN : WINDOW_GAIN;
        return Math.max(MIN_WINDOW_BYTES, (long) (gain * bandwidth() * minRttNanos / 1e9));
    }

    /** The best delivery rate of the last {@link #BANDWIDTH_ROUNDS} round trips, bytes per second; 0 before any. */
    double bandwidth() {
        double best = 0;
        for (int i = 0; i < BANDWIDTH_ROUNDS; i++) {
            if (roundOf[i] > round - BANDWIDTH_ROUNDS) {
                best = Math.max(best, roundBest[i]);
            }
        }
        return best;
    }

    long window() {
        return window;
    }

    /** The lowest RTT seen lately, -1 before any acknowledgement. */
    long minRttNanos() {
        return minRttNanos;
    }

    boolean inStartup() {
        return startup;
    }
}
