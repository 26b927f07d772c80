package io.quicbond.transport.session;

/**
 * Smoothed RTT and variance from probe samples, as RFC 9002 section 5.3 computes them:
 * "smoothed_rtt = 7/8 * smoothed_rtt + 1/8 * adjusted_rtt; rttvar = 3/4 * rttvar + 1/4 * rttvar_sample";
 * and the path's minimum RTT over a sliding window (as BBR keeps min_rtt), which leaves out queueing delay.
 * Thread-safe (synchronized; samples are rare).
 */
public final class RttEstimator {
    /** How long a minimum stands before a newer sample replaces it, so that a route change is noticed. */
    static final long MIN_RTT_WINDOW_NANOS = 10_000_000_000L;

    private final long initialNanos;
    private long smoothed = -1;
    private long variance;
    private long min = -1;
    private long minStampNanos;
    /** A fast average (half per sample): what the path's queue is now, for the pacer. */
    private long recent = -1;

    public RttEstimator(long initialNanos) {
        this.initialNanos = initialNanos;
    }

    public void sample(long rttNanos) {
        sample(rttNanos, System.nanoTime());
    }

    public synchronized void sample(long rttNanos, long nowNanos) {
        if (rttNanos < 0) {
            return;
        }
        recent = recent < 0 ? rttNanos : (recent + rttNanos) / 2;
        if (min < 0 || rttNanos <= min || nowNanos - minStampNanos > MIN_RTT_WINDOW_NANOS) {
            min = rttNanos;
            minStampNanos = nowNanos;
        }
        if (smoothed < 0) {
            smoothed = rttNanos;
            variance = rttNanos / 2;
        } else {
            variance = (3 * variance + Math.abs(smoothed - rttNanos)) / 4;
            smoothed = (7 * smoothed + rttNanos) / 8;
        }
    }

    public synchronized boolean hasSample() {
        return smoothed >= 0;
    }

    public synchronized long smoothedNanos() {
        return smoothed < 0 ? initialNanos : smoothed;
    }

    /** The lowest sample of the last {@link #MIN_RTT_WINDOW_NANOS} or so; the smoothed RTT before any sample. */
    public synchronized long minNanos() {
        return min < 0 ? smoothedNanos() : min;
    }

    /** The last few samples, averaged with half weight for each new one; the smoothed RTT before any. */
    public synchronized long recentNanos() {
        return recent < 0 ? smoothedNanos() : recent;
    }

    public synchronized long varianceNanos() {
        return smoothed < 0 ? initialNanos / 2 : variance;
    }

}
