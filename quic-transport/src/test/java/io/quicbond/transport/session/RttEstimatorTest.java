package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RttEstimatorTest {
    private static final long MS = 1_000_000;

    @Test
    void beforeAnySampleEveryFigureIsTheInitialGuess() {
        RttEstimator rtt = new RttEstimator(100 * MS);
        assertFalse(rtt.hasSample());
        assertEquals(100 * MS, rtt.smoothedNanos());
        assertEquals(100 * MS, rtt.minNanos());
        assertEquals(100 * MS, rtt.recentNanos());
    }

    @Test
    void theMinimumLeavesQueueingOutWhileTheSmoothedRttCarriesIt() {
        RttEstimator rtt = new RttEstimator(100 * MS);
        long now = 0;
        rtt.sample(40 * MS, now);
        for (int i = 0; i < 50; i++) { // a standing queue of 30 ms
            now += 100 * MS;
            rtt.sample(70 * MS, now);
        }
        assertEquals(40 * MS, rtt.minNanos());
        assertTrue(rtt.smoothedNanos() > 69 * MS, "smoothed " + rtt.smoothedNanos());
        assertEquals(70 * MS, rtt.recentNanos(), MS);
    }

    @Test
    void anOldMinimumGivesWayAfterTheWindowSoARouteChangeIsNoticed() {
        RttEstimator rtt = new RttEstimator(100 * MS);
        rtt.sample(20 * MS, 0);
        rtt.sample(80 * MS, RttEstimator.MIN_RTT_WINDOW_NANOS - MS);
        assertEquals(20 * MS, rtt.minNanos());
        rtt.sample(80 * MS, RttEstimator.MIN_RTT_WINDOW_NANOS + MS);
        assertEquals(80 * MS, rtt.minNanos());
        rtt.sample(75 * MS, RttEstimator.MIN_RTT_WINDOW_NANOS + 2 * MS);
        assertEquals(75 * MS, rtt.minNanos());
    }

    @Test
    void theRecentFigureFollowsAChangeWithinAFewSamples() {
        RttEstimator rtt = new RttEstimator(100 * MS);
        long now = 0;
        for (int i = 0; i < 20; i++) {
            rtt.sample(40 * MS, now += 100 * MS);
        }
        for (int i = 0; i < 4; i++) {
            rtt.sample(120 * MS, now += 100 * MS);
        }
        assertTrue(rtt.recentNanos() > 110 * MS, "recent " + rtt.recentNanos());
        assertTrue(rtt.smoothedNanos() < 90 * MS, "smoothed " + rtt.smoothedNanos());
    }

    @Test
    void negativeSamplesAreIgnored() {
        RttEstimator rtt = new RttEstimator(100 * MS);
        rtt.sample(-5, 0);
        assertFalse(rtt.hasSample());
    }
}
