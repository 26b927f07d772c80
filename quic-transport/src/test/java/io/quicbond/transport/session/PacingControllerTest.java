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
    void theCorrectionStaysWithinItsBounds() {
        PacingController pacing = new PacingController();
        for (int i = 0; i < 500; i++) {
            pacing.update(1e6, 40 * MS, 10_000 * MS, true);
        }
        assertEquals(PacingController.MIN_CORRECTION, pacing.correction(), 1e-9);
    }
}
