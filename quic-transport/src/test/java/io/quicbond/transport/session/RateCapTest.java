package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateCapTest {
    private static final long MS = 1_000_000;

    @Test
    void noCapAlwaysLetsTheUplinkSend() {
        RateCap none = new RateCap(0);
        none.consume(1L << 40, 0);
        assertTrue(none.mayTake(0));
        assertEquals(0, none.nanosUntilAvailable(0));
    }

    @Test
    void aCappedUplinkSendsAtItsRateOverTime() {
        RateCap cap = new RateCap(8_000_000); // 1 MB/s, burst 32 KiB (20 ms would be only 20 kB)
        long now = 0;
        long sent = 0;
        // A writer that sends 16 KiB chunks whenever the bucket allows, for 10 simulated seconds.
        while (now < 10_000 * MS) {
            if (cap.mayTake(now)) {
                cap.consume(16384, now);
                sent += 16384;
            } else {
                now += Math.max(1, cap.nanosUntilAvailable(now));
            }
        }
        double rate = sent / 10.0;
        assertTrue(rate > 0.98e6 && rate < 1.01e6, "sent " + rate + " B/s under a 1 MB/s cap");
    }

    @Test
    void debtIsPaidOffBeforeTheNextSend() {
        RateCap cap = new RateCap(8_000_000);
        cap.consume(32 * 1024 + 1_000_000, 0); // the burst and one second more
        assertFalse(cap.mayTake(0));
        long wait = cap.nanosUntilAvailable(0);
        assertTrue(wait > 990 * MS && wait < 1010 * MS, "wait " + wait);
        assertTrue(cap.mayTake(wait));
    }

    @Test
    void idleTimeBuildsNoMoreThanTheBurst() {
        RateCap cap = new RateCap(80_000_000); // 10 MB/s: burst 200 kB
        cap.consume(200_000, 0);
        assertFalse(cap.mayTake(0));
        // An hour idle refills only the burst: the next 200 kB go at once, then the bucket is empty.
        long later = 3_600_000 * MS;
        cap.consume(200_000, later);
        assertFalse(cap.mayTake(later));
    }
}
