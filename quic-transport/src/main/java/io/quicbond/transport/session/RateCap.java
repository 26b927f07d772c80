package io.quicbond.transport.session;

/**
 * A token bucket that caps what one uplink sends. Bytes are counted after they are sent, so the bucket may go
 * into debt by one write; the writer then waits until the debt is paid off. Burst: 20 ms at the capped rate,
 * at least 32 KiB, so one chunk can always go.
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
        this.bytesPerNano = bitsPerSecond / 8e9;
        this.burstBytes = Math.max(MIN_BURST_BYTES, bitsPerSecond / 8.0 * 0.02);
        this.tokens = burstBytes;
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
