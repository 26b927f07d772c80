package io.quicbond.transport;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A token bucket shared by every flow it limits (for example all of one user's flows in one direction).
 *
 * <p>TCP waits: {@link #acquire} takes the bytes at once, going into debt if need be, and sleeps until the debt
 * is paid, so concurrent flows share the rate in order of arrival and a flow's TCP backs off through its own
 * flow control. UDP is policed: {@link #tryAcquire} passes a packet only when its bytes are in the bucket, and the
 * caller drops it otherwise (what an ISP's policer does; a call's packets must not queue behind a download).
 *
 * <p>The bucket holds at most {@link #burstBytes()}: a tenth of a second at the rate, and never less than 64 KiB.
 * The rate can change at any time ({@link #setRate}, e.g. on a users-file reload) and applies to flows already
 * open. Thread-safe.
 */
public final class RateLimit {
    /** No limit; shared, so it cannot be changed. */
    public static final RateLimit NONE = new RateLimit(0, System::nanoTime, TimeUnit.NANOSECONDS::sleep, false);

    static final long MIN_BURST_BYTES = 64 << 10;
    /** The most one read or write of a throttled stream moves at a time, so that waits stay short and even. */
    static final int STREAM_SLICE_BYTES = 16 << 10;

    /** Sleeps the calling thread (a fake in tests). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final boolean changeable;
    // Guarded by this.
    private long bytesPerSecond;
    private double tokens;
    private long refilledAt;

    /** A limit of {@code bitsPerSecond} (0 = none, changeable later) on the system clock. */
    public RateLimit(long bitsPerSecond) {
        this(bitsPerSecond, System::nanoTime, TimeUnit.NANOSECONDS::sleep);
    }

    /** As {@link #RateLimit(long)} with another clock (nanoseconds) and sleeper. */
    public RateLimit(long bitsPerSecond, LongSupplier clock, Sleeper sleeper) {
        this(bitsPerSecond, clock, sleeper, true);
    }

    private RateLimit(long bitsPerSecond, LongSupplier clock, Sleeper sleeper, boolean changeable) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
        this.changeable = changeable;
        this.refilledAt = clock.getAsLong();
        setRateUnchecked(bitsPerSecond);
    }

    /**
     * Changes the rate; 0 lifts the limit. The bucket starts full at a new rate, so a raised limit is felt at once.
     *
     * @throws IllegalArgumentException if negative
     * @throws UnsupportedOperationException on {@link #NONE}
     */
    public void setRate(long bitsPerSecond) {
        if (!changeable) {
            throw new UnsupportedOperationException("RateLimit.NONE cannot be changed");
        }
        setRateUnchecked(bitsPerSecond);
    }

    private synchronized void setRateUnchecked(long bitsPerSecond) {
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("rate must be 0 (none) or positive, got " + bitsPerSecond);
        }
        long newRate = bitsPerSecond > 0 ? Math.max(1, bitsPerSecond / 8) : 0;
        if (newRate == bytesPerSecond) {
            return;
        }
        bytesPerSecond = newRate;
        refilledAt = clock.getAsLong();
        tokens = burstBytes();
    }

    /** The limit in bits per second; 0 = none. */
    public synchronized long bitsPerSecond() {
        return bytesPerSecond * 8;
    }

    public synchronized boolean isLimited() {
        return bytesPerSecond > 0;
    }

    /** The most the bucket holds. */
    public synchronized long burstBytes() {
        return Math.max(MIN_BURST_BYTES, bytesPerSecond / 10);
    }

    /** Takes {@code bytes} now and returns how long the caller must wait before sending them (0: at once). */
    synchronized long reserve(int bytes) {
        if (bytesPerSecond == 0) {
            return 0;
        }
        refill();
        tokens -= bytes;
        return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1e9 / bytesPerSecond);
    }

    /** Blocks until {@code bytes} may be sent (see the class comment). */
    public void acquire(int bytes) throws InterruptedException {
        long wait = reserve(bytes);
        if (wait > 0) {
            sleeper.sleep(wait);
        }
    }

    /** Whether a packet of {@code bytes} may go now; if so, its bytes are taken. Never waits. */
    public synchronized boolean tryAcquire(int bytes) {
        if (bytesPerSecond == 0) {
            return true;
        }
        refill();
        if (tokens < bytes) {
            return false;
        }
        tokens -= bytes;
        return true;
    }

    private void refill() {
        long now = clock.getAsLong();
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(burstBytes(), tokens + elapsed * (double) bytesPerSecond / 1e9);
            refilledAt = now;
        }
    }

    /** {@code in}, with every byte read from it paid for (reads of at most 16 KiB at a time while limited). */
    public InputStream throttle(InputStream in) {
        if (this == NONE) {
            return in;
        }
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    pay(1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, isLimited() ? Math.min(len, STREAM_SLICE_BYTES) : len);
                if (n > 0) {
                    pay(n);
                }
                return n;
            }
        };
    }

    /** {@code out}, with every byte paid for before it is written (in slices of at most 16 KiB). */
    public OutputStream throttle(OutputStream out) {
        if (this == NONE) {
            return out;
        }
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                pay(1);
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                while (len > 0) {
                    int n = Math.min(len, STREAM_SLICE_BYTES);
                    pay(n);
                    out.write(b, off, n);
                    off += n;
                    len -= n;
                }
            }
        };
    }

    private void pay(int bytes) throws InterruptedIOException {
        try {
            acquire(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while rate-limited");
        }
    }

    @Override
    public String toString() {
        long bits = bitsPerSecond();
        return bits == 0 ? "no rate limit" : "rate limit " + bits + " bit/s";
    }
}
