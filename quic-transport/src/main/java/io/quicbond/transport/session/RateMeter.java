package io.quicbond.transport.session;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts bytes and turns them into a rate, smoothed over about a second, and a windowed peak (as BBR keeps
 * the bottleneck bandwidth). {@link #add} is lock-free and called on hot paths; {@link #tick} and
 * {@link #hold} are called by one housekeeping thread.
 */
public final class RateMeter {
    /**
     * The shortest span a peak sample covers. Bytes that a QUIC stream releases in a burst after a lost packet
     * is repaired, or that a late PATH_ACK reports at once, made single 100-ms samples read two to three times
     * the link's rate; over half a second they average out.
     */
    static final long PEAK_SPAN_NANOS = 500_000_000L;
    /** How many ticks the peak looks back over (50 ticks of 100 ms: 5 s). */
    private static final int PEAK_TICKS = 50;

    private final AtomicLong total = new AtomicLong();
    private long lastTotal;
    private long lastTickNanos = -1;
    private volatile double bytesPerSecond;
    // The totals at recent ticks; a tick after a hold starts a new measuring run (held spans are not rates).
    private final long[] tickTotals = new long[PEAK_TICKS + 1];
    private final long[] tickNanos = new long[PEAK_TICKS + 1];
    private int ticksInRun;
    private int ringNext;
    private final double[] recent = new double[PEAK_TICKS];
    private int recentNext;
    private volatile double peak;

    public void add(long bytes) {
        total.addAndGet(bytes);
    }

    public long total() {
        return total.get();
    }

    /** Updates the rate; call every few hundred milliseconds or more often. */
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
            double windowed = windowedRate(t, nowNanos);
            if (windowed >= 0) {
                recent[recentNext] = windowed;
                recentNext = (recentNext + 1) % recent.length;
                double max = 0;
                for (double r : recent) {
                    max = Math.max(max, r);
                }
                peak = max;
            }
        }
        remember(t, nowNanos);
        lastTotal = t;
        lastTickNanos = nowNanos;
    }

    /** The rate since the latest remembered tick at least {@link #PEAK_SPAN_NANOS} ago in this run, or -1. */
    private double windowedRate(long t, long nowNanos) {
        for (int back = 1; back <= ticksInRun; back++) {
            int i = Math.floorMod(ringNext - back, tickTotals.length);
            long span = nowNanos - tickNanos[i];
            if (span >= PEAK_SPAN_NANOS) {
                return (t - tickTotals[i]) * 1e9 / span;
            }
        }
        return -1;
    }

    private void remember(long t, long nowNanos) {
        tickTotals[ringNext] = t;
        tickNanos[ringNext] = nowNanos;
        ringNext = (ringNext + 1) % tickTotals.length;
        ticksInRun = Math.min(ticksInRun + 1, tickTotals.length);
    }

    /**
     * Moves the measuring window on without changing the rate: for an idle or silent link, where "nothing
     * delivered" says nothing about what it could deliver.
     */
    public synchronized void hold(long nowNanos) {
        lastTotal = total.get();
        lastTickNanos = nowNanos;
        ticksInRun = 0;
        remember(lastTotal, nowNanos);
    }

    /**
     * The highest rate over any half second of the last five or so seconds of measuring: what the link has
     * shown it can carry. Unlike the average, it does not sink when the scheduler gives the link less than it
     * could take. 0 until half a second has been measured.
     */
    public double peakBytesPerSecond() {
        return peak;
    }

    public double bytesPerSecond() {
        return bytesPerSecond;
    }
}
