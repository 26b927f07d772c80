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
        }
        lastTotal = t;
        lastTickNanos = nowNanos;
    }

    public double bytesPerSecond() {
        return bytesPerSecond;
    }
}
