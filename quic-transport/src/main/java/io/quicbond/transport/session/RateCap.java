package io.quicbond.transport.session;

/**
 * A token bucket that caps what one uplink sends: the user's rate cap, and the pacer that spreads an uplink's
 * sends at a little above its delivery rate. Bytes are counted after they are sent, so the bucket may go into
 * debt by one write; the writer then waits until the debt is paid off. Burst: a time's worth at the rate (20 ms
 * for a cap), at least a minimum (32 KiB for a cap), so one chunk can always go.
 *
 * <p>Thread-safe: the uplink's writer and UDP senders share it; time is passed in, so it is testable.
 */
final class RateCap {
    private static final long MIN_BURST_BYTES = 32 * 1024;
    static final RateCap NONE = new RateCap(0);

    private final double bytesPerNano;
    private final double burstBytes;
    private double tokens;
    private long lastNanos = Long.MIN_VALUE;

    /** {@code bitsPerSecond} 0 = no cap. */
    RateCap(long bitsPerSecond) {
        this(bitsPerSecond, 20_000_000L, MIN_BURST_BYTES);
    }

    /** A bucket of {@code burstNanos} at the rate, at least {@code minBurstBytes}; {@code bitsPerSecond} 0 = none. */
    RateCap(long bitsPerSecond, long burstNanos, long minBurstBytes) {
        this.bytesPerNano = bitsPerSecond / 8e9;
        this.burstBytes = Math.max(minBurstBytes, bitsPerSecond / 8e9 * burstNanos);
        this.tokens = burstBytes;
    }

    /** The rate in bits per second; 0 = no cap. */
    long bitsPerSecond() {
        return Math.round(bytesPerNano * 8e9);
    }

    boolean unlimited() {
        return bytesPerNano == 0;
    }

    /** Whether the uplink may send now (the bucket is not in debt). */
    boolean mayTake(long nowNanos) {
        if (unlimited()) { // the common case takes no lock
            return true;
        }
        synchronized (this) {
            refill(nowNanos);
            return tokens > 0;
        }
    }

    void consume(long bytes, long nowNanos) {
        if (unlimited()) { // the common case takes no lock
            return;
        }
        synchronized (this) {
            refill(nowNanos);
            tokens -= bytes;
        }
    }

    /** How long until {@link #mayTake} turns true; 0 when it is already. */
    long nanosUntilAvailable(long nowNanos) {
        if (unlimited()) { // the common case takes no lock
            return 0;
        }
        synchronized (this) {
            refill(nowNanos);
            return tokens > 0 ? 0 : (long) Math.ceil((1 - tokens) / bytesPerNano);
        }
    }

    private void refill(long nowNanos) {
        if (lastNanos != Long.MIN_VALUE && nowNanos > lastNanos) {
            tokens = Math.min(burstBytes, tokens + (nowNanos - lastNanos) * bytesPerNano);
        }
        lastNanos = Math.max(lastNanos, nowNanos);
    }
}
