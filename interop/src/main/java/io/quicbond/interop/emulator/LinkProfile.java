package io.quicbond.interop.emulator;

import java.time.Duration;
import java.util.Objects;

/**
 * How one direction of an emulated link behaves: a router queue in front of a wire.
 *
 * <p>A packet that arrives is dropped when the link is down, or when it does not fit in the queue
 * (bytes still waiting for serialisation + its own size &gt; the queue limit, tail drop like Linux's
 * bfifo). Otherwise it is serialised at {@code bitsPerSecond} behind the packets already queued, may
 * be lost on the wire with probability {@code loss} (a lost packet has used its airtime, as on a
 * radio link), and arrives {@code delay} after its serialisation ends. Only the UDP payload counts
 * towards the rate: "40mbit" means 40 Mbit/s of QUIC packets, not of IP packets.
 *
 * @param bitsPerSecond    serialisation rate; 0 means unlimited (no queue builds up)
 * @param delay            one-way propagation delay, 0 .. 1 day
 * @param loss             random loss probability, 0 .. 1
 * @param queueLimitBytes  queue limit; 0 means automatic (see {@link #effectiveQueueLimitBytes()})
 * @param up               false blackholes this direction, as if its modem had died
 */
public record LinkProfile(long bitsPerSecond, Duration delay, double loss, int queueLimitBytes, boolean up) {

    /** The automatic queue limit never goes below this, so that slow links still absorb a burst. */
    public static final int MIN_AUTO_QUEUE_BYTES = 64 * 1024;

    /** The automatic queue holds this much time at the link's rate, a common router buffer size. */
    public static final Duration AUTO_QUEUE_TIME = Duration.ofMillis(50);

    /** Longest delay accepted: beyond it nanosecond arithmetic could overflow, and no real link is that slow. */
    public static final Duration MAX_DELAY = Duration.ofDays(1);

    /** A perfect link: no rate limit, no delay, no loss. */
    public static final LinkProfile UNLIMITED = new LinkProfile(0, Duration.ZERO, 0, 0, true);

    public LinkProfile {
        Objects.requireNonNull(delay, "delay");
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("rate must be >= 0 bit/s (0 = unlimited): " + bitsPerSecond);
        }
        if (delay.isNegative() || delay.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("delay must be between 0 and " + MAX_DELAY + ": " + delay);
        }
        if (!(loss >= 0 && loss <= 1)) {
            throw new IllegalArgumentException("loss must be a probability between 0 and 1: " + loss);
        }
        if (queueLimitBytes < 0) {
            throw new IllegalArgumentException("queue limit must be >= 0 bytes (0 = automatic): " + queueLimitBytes);
        }
    }

    public static LinkProfile of(long bitsPerSecond, Duration oneWayDelay) {
        return new LinkProfile(bitsPerSecond, oneWayDelay, 0, 0, true);
    }

    public static LinkProfile unlimited() {
        return UNLIMITED;
    }

    /**
     * Parses one direction's profile, e.g. {@code 40mbit/20ms/1%/q=256k}; see {@link EmulatedLinks} for the grammar.
     *
     * @throws IllegalArgumentException with a message that names the offending part
     */
    public static LinkProfile parse(String spec) {
        return SpecParser.parseProfile(spec);
    }

    public LinkProfile withRate(long newBitsPerSecond) {
        return new LinkProfile(newBitsPerSecond, delay, loss, queueLimitBytes, up);
    }

    public LinkProfile withDelay(Duration newDelay) {
        return new LinkProfile(bitsPerSecond, newDelay, loss, queueLimitBytes, up);
    }

    /** @param newLoss probability 0..1 (not percent) */
    public LinkProfile withLoss(double newLoss) {
        return new LinkProfile(bitsPerSecond, delay, newLoss, queueLimitBytes, up);
    }

    /** @param bytes queue limit; 0 restores the automatic limit */
    public LinkProfile withQueueLimit(int bytes) {
        return new LinkProfile(bitsPerSecond, delay, loss, bytes, up);
    }

    public LinkProfile withUp(boolean newUp) {
        return new LinkProfile(bitsPerSecond, delay, loss, queueLimitBytes, newUp);
    }

    public boolean unlimitedRate() {
        return bitsPerSecond == 0;
    }

    /**
     * The queue limit in force: the explicit one, or else {@link #AUTO_QUEUE_TIME} worth of bytes at the
     * rate but at least {@link #MIN_AUTO_QUEUE_BYTES}.
     */
    public int effectiveQueueLimitBytes() {
        if (queueLimitBytes > 0) {
            return queueLimitBytes;
        }
        // rate × 50 ms / 8 bits, computed so that huge rates cannot overflow.
        long auto = bitsPerSecond / 8 / (1_000_000_000L / AUTO_QUEUE_TIME.toNanos());
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_AUTO_QUEUE_BYTES, auto));
    }

    /** The spec form, which {@link #parse} turns back into an equal profile. */
    public String toSpec() {
        return SpecParser.formatProfile(this);
    }

    @Override
    public String toString() {
        return toSpec();
    }
}
