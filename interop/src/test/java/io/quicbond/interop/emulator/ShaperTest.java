package io.quicbond.interop.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** The queue-and-wire semantics with a clock the test controls, so every number is exact. */
class ShaperTest {

    private static final long MS = 1_000_000L;
    // nanoTime values may be negative; starting near the edge catches comparisons that are not by subtraction.
    private static final long T0 = Long.MAX_VALUE - 10 * MS;

    @Test
    void serialisesBackToBackAtTheRateThenAddsTheDelay() {
        // 1 Mbit/s: a 1000-byte packet takes 8 ms on the wire.
        Shaper s = new Shaper(LinkProfile.of(1_000_000, Duration.ofMillis(20)), new SplittableRandom(1), T0);
        Shaper.Packet a = s.offer(new byte[1000], T0);
        Shaper.Packet b = s.offer(new byte[1000], T0);
        Shaper.Packet c = s.offer(new byte[1000], T0 + 30 * MS);   // arrives after the queue drained
        assertEquals(8 * MS + 20 * MS, a.deliverAt() - T0);
        assertEquals(16 * MS + 20 * MS, b.deliverAt() - T0);
        assertEquals(30 * MS + 8 * MS + 20 * MS, c.deliverAt() - T0);
    }

    @Test
    void tailDropsWhatDoesNotFitInTheQueueLimit() {
        Shaper s = new Shaper(LinkProfile.of(1_000_000, Duration.ZERO).withQueueLimit(12_000),
                new SplittableRandom(1), T0);
        int admitted = 0;
        for (int i = 0; i < 60; i++) {
            if (s.offer(new byte[1000], T0) != null) {
                admitted++;
            }
        }
        assertEquals(12, admitted, "12 x 1000 B fit in 12000 B");
        assertEquals(48, s.stats(T0).droppedQueue());
        assertEquals(12_000, s.stats(T0).queuedBytes());
        // One packet has left the queue 8 ms later, so exactly one more fits.
        Shaper.Packet last = s.offer(new byte[1000], T0 + 8 * MS);
        assertNotNull(last);
        assertNull(s.offer(new byte[1000], T0 + 8 * MS));
        assertEquals(12_000, s.stats(T0 + 8 * MS).queuedBytes());
        // It leaves behind the 12 admitted first: 13 x 8 ms after T0.
        assertEquals(13 * 8 * MS, last.deliverAt() - T0);
    }

    @Test
    void automaticQueueLimitIsFiftyMillisecondsAtTheRateButAtLeast64KiB() {
        assertEquals(65_536, LinkProfile.of(1_000_000, Duration.ZERO).effectiveQueueLimitBytes());
        assertEquals(250_000, LinkProfile.of(40_000_000, Duration.ZERO).effectiveQueueLimitBytes());
        assertEquals(Integer.MAX_VALUE, LinkProfile.of(Long.MAX_VALUE, Duration.ZERO).effectiveQueueLimitBytes());
        assertEquals(5000, LinkProfile.of(40_000_000, Duration.ZERO).withQueueLimit(5000).effectiveQueueLimitBytes());
    }

    @Test
    void lossHappensOnTheWireSoLostPacketsStillUseTheRate() {
        Shaper s = new Shaper(LinkProfile.of(1_000_000, Duration.ZERO).withLoss(1.0), new SplittableRandom(1), T0);
        assertNull(s.offer(new byte[1000], T0));
        assertEquals(1000, s.stats(T0).queuedBytes());
        assertEquals(1, s.stats(T0).droppedLoss());
    }

    @Test
    void shrinkingTheDelayDoesNotReorder() {
        Shaper s = new Shaper(LinkProfile.of(0, Duration.ofMillis(50)), new SplittableRandom(1), T0);
        Shaper.Packet slow = s.offer(new byte[100], T0);
        s.setProfile(LinkProfile.of(0, Duration.ofMillis(5)), T0);
        Shaper.Packet fast = s.offer(new byte[100], T0 + MS);
        assertEquals(slow.deliverAt(), fast.deliverAt());
    }

    @Test
    void anOutageDropsNewArrivalsAndWhatIsOnTheWireAndEmptiesTheQueue() {
        Shaper s = new Shaper(LinkProfile.of(1_000_000, Duration.ofMillis(100)), new SplittableRandom(1), T0);
        Shaper.Packet inFlight = s.offer(new byte[1000], T0);
        s.setLinkUp(false, T0 + MS);
        assertNull(s.offer(new byte[1000], T0 + 2 * MS));
        assertFalse(s.current(inFlight));
        assertFalse(s.beginDelivery(inFlight));
        s.setLinkUp(true, T0 + 3 * MS);
        Shaper.Packet after = s.offer(new byte[1000], T0 + 3 * MS);
        assertTrue(s.beginDelivery(after));
        // The queue was flushed by the outage, so the new packet does not wait behind the dead one.
        assertEquals(3 * MS + 8 * MS + 100 * MS, after.deliverAt() - T0);
        DirectionStats stats = s.stats(T0 + 3 * MS);
        assertEquals(2, stats.droppedOutage());
        assertEquals(3, stats.packetsIn());
        assertEquals(1, stats.inFlightPackets());
    }

    @Test
    void aDirectionSwitchedOffIsAnOutageOfThatDirectionOnly() {
        LinkProfile p = LinkProfile.of(0, Duration.ZERO);
        Shaper s = new Shaper(p, new SplittableRandom(1), T0);
        Shaper.Packet before = s.offer(new byte[10], T0);
        s.setProfile(p.withUp(false), T0);
        assertFalse(s.beginDelivery(before));
        assertNull(s.offer(new byte[10], T0));
        s.setProfile(p, T0);
        assertNotNull(s.offer(new byte[10], T0));
    }

    @Test
    void serialisationTimeRoundsWithoutDrift() {
        assertEquals(480_000, Shaper.serialisationNanos(1200, 20_000_000));
        assertEquals(3, Shaper.serialisationNanos(1, 3_000_000_000L)); // 2.67 ns rounds up
        assertEquals(65_535L * 8_000_000_000L, Shaper.serialisationNanos(65_535, 1));
    }
}
