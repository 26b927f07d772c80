package io.quicbond.transport.session;

/**
 * Smoothed RTT and variance from probe samples, as RFC 9002 section 5.3 computes them:
 * "smoothed_rtt = 7/8 * smoothed_rtt + 1/8 * adjusted_rtt; rttvar = 3/4 * rttvar + 1/4 * rttvar_sample".
 * Thread-safe (synchronized; samples are rare).
 */
public final class RttEstimator {
    private final long initialNanos;
    private long smoothed = -1;
    private long variance;

    public RttEstimator(long initialNanos) {
        this.initialNanos = initialNanos;
    }

    public synchronized void sample(long rttNanos) {
        if (rttNanos < 0) {
            return;
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

    public synchronized long varianceNanos() {
        return smoothed < 0 ? initialNanos / 2 : variance;
    }

}
