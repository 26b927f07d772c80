package io.quicbond.transport.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts bytes and turns them into a rate, smoothed over about a second. {@link #add} is lock-free and called
 * on hot paths; {@link #tick} is called by one housekeeping thread.
 */
public final class RateMeter {
    private final AtomicLong total = new AtomicLong();
    private long lastTotal;
    private long lastTickNanos = -1;
    private volatile double bytesPerSecond;
    /** The last per-tick rates, for a windowed maximum (as BBR estimates bottleneck bandwidth). */
    private final double[] recent = new double[50];
    private int recentNext;
    private volatile double peak;

    public void add(long bytes) {
        total.addAndGet(bytes);
    }

    public long total() {
        return total.get();
    }

    /** Updates the rate; call every few hundred milliseconds. */
    public synchronized void tick(long nowNanos) {
        long t = total.get();
        if (lastTickNanos >= 0) {
            long dt = nowNanos - lastTickNanos;
            if (dt <= 0) {
                return;
            }
            double instant = (t - lastTotal) * 1e9 / dt;
            double weight = Math.min(1.0, dt / 1e9);
            bytesPerSecond = bytesPerSecond * (1 - weight) + instant * weight;
            recent[recentNext] = instant;
            recentNext = (recentNext + 1) % recent.length;
            double max = 0;
            for (double r : recent) {
                max = Math.max(max, r);
            }
            peak = max;
        }
        lastTotal = t;
        lastTickNanos = nowNanos;
    }

    /**
     * Moves the measuring window on without changing the rate: for an idle or silent link, where "nothing
     * delivered" says nothing about what it could deliver.
     */
    public synchronized void hold(long nowNanos) {
        lastTotal = total.get();
        lastTickNanos = nowNanos;
    }

    /**
     * The highest per-tick rate among the last 50 ticks: what the link has shown it can carry. Unlike the
     * average, it does not sink when the scheduler gives the link less than it could take.
     */
    public double peakBytesPerSecond() {
        return peak;
    }

    public double bytesPerSecond() {
        return bytesPerSecond;
    }
}
