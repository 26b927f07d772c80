package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PacingControllerTest {
    private static final long MS = 1_000_000;

    /**
     * A bottleneck of {@code capacity} bytes/s with a queue: each 100-ms step the queue grows by what the pacer
     * sent above capacity (or drains), and the pacer sees the queue as delay.
     */
    private static double settle(PacingController pacing, double estimate, double capacity, int steps, double[] queueMs) {
        double queueBytes = 0;
        double rate = 0;
        for (int i = 0; i < steps; i++) {
            long queueNanos = (long) (queueBytes / capacity * 1e9);
            rate = pacing.update(estimate, 40 * MS, queueNanos, true);
            queueBytes = Math.max(0, queueBytes + (rate - capacity) * 0.1);
            queueMs[0] = queueBytes / capacity * 1e3;
        }
        return rate;
    }

    @Test
    void noEstimateMeansNoPacing() {
        assertEquals(0, new PacingController().update(0, 40 * MS, 0, true));
    }

    @Test
    void anOverestimatedLinkIsPacedDownToWhatItCarriesWithASmallQueue() {
        // quiche's estimate 10 % above the link: paced at as it is, the queue would grow without end.
        PacingController pacing = new PacingController();
        double[] queueMs = new double[1];
        double rate = settle(pacing, 5.5e6, 5e6, 600, queueMs);
        assertTrue(rate > 4.5e6 && rate < 5.5e6, "rate " + rate);
        assertTrue(queueMs[0] < 2.5 * PacingController.targetQueueNanos(40 * MS) / 1e6, "queue " + queueMs[0] + " ms");
    }

    @Test
    void anUnderestimatedLinkIsPacedUpToTheHeadroom() {
        PacingController pacing = new PacingController();
        double[] queueMs = new double[1];
        double rate = settle(pacing, 4e6, 10e6, 200, queueMs);
        assertEquals(4e6 * PacingController.MAX_CORRECTION, rate, 1);
        assertEquals(0, queueMs[0], 1e-9);
    }

    @Test
    void anIdleUplinkKeepsItsCorrectionWhateverQueueOtherTrafficBuilds() {
        PacingController pacing = new PacingController();
        for (int i = 0; i < 50; i++) {
            pacing.update(1e6, 40 * MS, 0, false);
        }
        assertEquals(1.0, pacing.correction(), 1e-9);
        for (int i = 0; i < 50; i++) {
            pacing.update(1e6, 40 * MS, 200 * MS, false);
        }
        assertEquals(1.0, pacing.correction(), 1e-9);
        pacing.update(1e6, 40 * MS, 200 * MS, true);
        assertTrue(pacing.correction() < 1.0, "busy, it slows down for its own queue");
    }

    @Test
    void aDipFromAStartupQueueIsUndoneWithinHalfASecondOnceTheQueueIsGone() {
        // A transfer's first, unpaced burst queues for a few steps and pulls the correction to about two thirds.
        PacingController pacing = new PacingController();
        for (int i = 0; i < 4; i++) {
            pacing.update(5e6, 40 * MS, 40 * MS, true);
        }
        assertTrue(pacing.correction() < 0.7, "correction " + pacing.correction());
        for (int i = 0; i < 5; i++) {
            pacing.update(5e6, 40 * MS, 0, true);
        }
        assertTrue(pacing.correction() > 0.9, "after 5 steps without a queue: " + pacing.correction());
        // With a queue still at the target the correction holds: the recovery needs an emptier queue.
        PacingController held = new PacingController();
        for (int i = 0; i < 4; i++) {
            held.update(5e6, 40 * MS, 40 * MS, true);
        }
        double dipped = held.correction();
        held.update(5e6, 40 * MS, PacingController.targetQueueNanos(40 * MS), true);
        assertEquals(dipped, held.correction(), 1e-9);
    }

    @Test
    void aNewUplinkReachesItsLinkRateWithinHalfASecondAndThenLeavesStartup() {
        // The engine's estimate is what the uplink delivered in the last step: at most what it was paced at.
        PacingController pacing = new PacingController();
        double capacity = 5e6;
        double estimate = 0.5e6;
        double queueBytes = 0;
        int reachedAt = -1;
        for (int i = 0; i < 40; i++) {
            long queueNanos = (long) (queueBytes / capacity * 1e9);
            double rate = pacing.update(estimate, 40 * MS, queueNanos, true);
            queueBytes = Math.max(0, queueBytes + (rate - capacity) * 0.1);
            estimate = Math.min(rate, capacity);
            if (reachedAt < 0 && estimate >= 0.9 * capacity) {
                reachedAt = i;
            }
        }
        assertTrue(reachedAt >= 0 && reachedAt <= 5, "reached 90 % of the link at step " + reachedAt);
        assertTrue(!pacing.inStartup(), "startup ended");
        assertTrue(queueBytes / capacity * 1e3 < 3 * PacingController.targetQueueNanos(40 * MS) / 1e6,
                "queue after startup " + queueBytes / capacity * 1e3 + " ms");
    }

    @Test
    void onALongPathTheRateRisesByAStepPerRoundTripNotPerProbe() {
        assertEquals(1.0, PacingController.upStepScale(40 * MS), 1e-9);
        assertEquals(1.0, PacingController.upStepScale(100 * MS), 1e-9);
        assertEquals(0.5, PacingController.upStepScale(200 * MS), 1e-9);
        for (long rtt : new long[]{50 * MS, 200 * MS}) {
            PacingController pacing = new PacingController();
            pacing.update(1e6, rtt, 100 * MS, true); // a queue ends startup and pulls the correction down
            double before = pacing.correction();
            pacing.update(1e6, rtt, 0, true);
            double rise = pacing.correction() / before - 1;
            double expected = rtt == 50 * MS ? PacingController.STEP : PacingController.STEP / 2;
            assertTrue(rise >= expected - 1e-9, rtt / MS + " ms: rise " + rise);
        }
    }

    @Test
    void aLongPathWithAShallowBufferIsNotOverrunOverAndOver() {
        // The benchmark's slowest link: 10 Mbit/s, 200 ms RTT, a 52-ms buffer; quiche's estimate 5 % high. The
        // pacer sees the queue a round trip (two steps) late. Count the steps whose queue would not fit.
        double capacity = 1.25e6;
        double bufferMs = 52;
        long rtt = 200 * MS;
        PacingController pacing = new PacingController();
        pacing.update(capacity * 1.05, rtt, 100 * MS, true); // past startup
        double queueBytes = 0;
        long[] seen = new long[3];
        int overruns = 0;
        for (int i = 0; i < 600; i++) {
            double rate = pacing.update(capacity * 1.05, rtt, seen[i % 3], true);
            queueBytes = Math.max(0, queueBytes + (rate - capacity) * 0.1);
            if (queueBytes / capacity * 1e3 > bufferMs) {
                overruns++;
                queueBytes = bufferMs / 1e3 * capacity; // tail drop
            }
            seen[(i + 2) % 3] = (long) (queueBytes / capacity * 1e9); // visible two steps from now
        }
        System.out.println("overruns of a 52-ms buffer on a 200-ms path in 600 steps: " + overruns);
        assertTrue(overruns <= 30, overruns + " of 600 steps overran the buffer");
    }

    @Test
    void startupEndsWhenTheEstimateStopsGrowingForThreeRtts() {
        PacingController pacing = new PacingController();
        int steps = 0;
        while (pacing.inStartup() && steps < 100) {
            pacing.update(1e6, 200 * MS, 0, true);
            steps++;
        }
        assertEquals(1 + PacingController.startupPatienceSteps(200 * MS), steps);
        assertEquals(6, PacingController.startupPatienceSteps(200 * MS), "3 RTTs of 200 ms in 100-ms steps");
    }

    @Test
    void onlyALocalPathWithoutTheEnginesEstimateGoesUnpaced() {
        assertTrue(Uplink.paced(5e6, 200_000), "quiche on loopback: its estimate is its own, bursts still overflow");
        assertTrue(Uplink.paced(-1, 20 * MS), "kwik on a WAN path");
        assertTrue(Uplink.paced(-1, -1), "kwik before the first RTT sample");
        assertTrue(!Uplink.paced(-1, 200_000), "kwik on loopback: the RTT follows the CPU, not a bottleneck");
    }

    @Test
    void theCorrectionStaysWithinItsBounds() {
        PacingController pacing = new PacingController();
        for (int i = 0; i < 500; i++) {
            pacing.update(1e6, 40 * MS, 10_000 * MS, true);
        }
        assertEquals(PacingController.MIN_CORRECTION, pacing.correction(), 1e-9);
    }
}
