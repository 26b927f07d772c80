package io.quicbond.transport.flow;

/**
 * Drops UDP packets already delivered (redundant mode sends each one on every uplink) using a sliding window of
 * sequence numbers, like IPsec's anti-replay window (RFC 4303 section 3.4.3). Packets older than the window are
 * dropped too: they would arrive far too late to matter for a call. Sequence numbers are 32-bit and wrap.
 * Not thread-safe: one flow's packets are offered under the flow's lock.
 */
public final class UdpDeduplicator {
    public static final int WINDOW = 4096;
    private final long[] seen = new long[WINDOW / 64];
    private long highest = -1;

    /** Returns true if this packet is new and should be delivered. */
    public boolean accept(long sequence) {
        sequence &= 0xffffffffL;
        if (highest < 0) {
            highest = sequence;
            mark(sequence);
            return true;
        }
        long ahead = (sequence - highest) & 0xffffffffL;
        if (ahead != 0 && ahead < 0x80000000L) {
            // Newer than anything seen: slide the window forward, forgetting what falls out of it.
            if (ahead >= WINDOW) {
                java.util.Arrays.fill(seen, 0);
            } else {
                for (long s = highest + 1; s < highest + ahead; s++) {
                    clear(s & 0xffffffffL);
                }
            }
            highest = sequence;
            mark(sequence);
            return true;
        }
        long behind = (highest - sequence) & 0xffffffffL;
        if (behind >= WINDOW) {
            return false;
        }
        if (isMarked(sequence)) {
            return false;
        }
        mark(sequence);
        return true;
    }

    private void mark(long s) {
        int bit = (int) (s % WINDOW);
        seen[bit >>> 6] |= 1L << (bit & 63);
    }

    private void clear(long s) {
        int bit = (int) (s % WINDOW);
        seen[bit >>> 6] &= ~(1L << (bit & 63));
    }

    private boolean isMarked(long s) {
        int bit = (int) (s % WINDOW);
        return (seen[bit >>> 6] & (1L << (bit & 63))) != 0;
    }
}
