package io.quicbond.transport.session;

/**
 * Sets an uplink's pacing rate: its delivery-rate estimate, scaled by a correction that keeps the queue the
 * uplink builds at its bottleneck near a small target (the path's RTT now, above its minimum, is time spent
 * queued there). Every step moves the correction in proportion to how far the queue is from the target: up to
 * {@link #STEP} up when there is no queue (less on paths whose RTT is longer than a step, {@link #upStepScale};
 * more when below 1: {@link #RECOVERY}), up to twice that down when the queue is three times the target. A new uplink first paces at {@link #STARTUP_GAIN} times its estimate, until its
 * queue passes the target or the estimate stops growing.
 *
 * <p>Why pace at all: quiche sends whatever its window allows the moment it is written (netty ignores quiche's
 * pacing times), and kwik does not pace either, so a bond writer that waited for room and then wrote a few
 * hundred kilobytes put them on the wire at once: a 20 Mbit/s link with a 50 ms buffer dropped a quarter of
 * its packets and carried 12 Mbit/s.
 *
 * <p>Why correct the estimate: quiche's estimate runs 2-12 % above what a link carries (a maximum over noisy
 * samples), and paced at as it is, the excess piles up at the bottleneck until quiche's window stops it: a
 * standing queue of about one path hold (36 ms on a 40 Mbit/s 20 ms link), which every packet of a call on that
 * uplink waits through. Delay, not loss, is the signal: random loss on a radio link says nothing about its
 * capacity.
 *
 * <p>Pure logic, no clock: called once per probe interval (100 ms) by the session's housekeeping thread.
 */
final class PacingController {
    /** Largest upward step of the correction. */
    static final double STEP = 0.05;
    static final double MIN_CORRECTION = 0.5;
    /** Headroom above the estimate, so the rate can follow a link that got faster. */
    static final double MAX_CORRECTION = 1.25;
    /**
     * Below 1 with the queue under target, the correction also closes this share of its gap to 1 per step
     * (scaled by how empty the queue is): pacing below the estimate while nothing queues wastes the link, and
     * 5 % steps took a second to undo the dip a new transfer's first burst causes (on the benchmark's links the
     * 40 and 20 Mbit/s uplinks spent the first 2 s of every transfer at two thirds of their rate).
     */
    static final double RECOVERY = 0.3;
    private static final long TARGET_FLOOR_NANOS = 10_000_000L;

    /**
     * While a new uplink's estimate still grows, it is paced at this multiple of it (the engine's congestion
     * window still limits what is in flight): paced at the estimate itself, a connection's rate could only grow
     * as fast as the estimate of what it was allowed to send, by the correction's few percent per step, and the
     * benchmark's 40 Mbit/s uplink took a second to get from 10 to 40 Mbit/s at the start of every transfer.
     */
    static final double STARTUP_GAIN = 2.0;
    /** Startup ends when the estimate has not grown by this factor for {@link #startupPatienceSteps} steps. */
    static final double STARTUP_GROWTH = 1.25;

    private double correction = 1.0;
    /** Written by the housekeeping thread, read by the uplink's writer too ({@link Uplink#inflightLimit}). */
    private volatile boolean startup = true;
    private double startupBest;
    private int startupFlatSteps;

    /**
     * One step.
     *
     * @param estimate    the uplink's delivery rate estimate in bytes per second; 0 when unknown
     * @param minRttNanos the path's minimum RTT
     * @param queueNanos  how far the path's RTT now is above that minimum
     * @param busy        whether the uplink had data outstanding during the step; an idle uplink's correction
     *                    stays as it was: it proves nothing about the rate, and a queue it sees then is other
     *                    traffic's (while kernel MPTCP ran on the benchmark's links, an idle uplink's
     *                    correction sank to half, and the next transfer spent two seconds climbing back)
     * @return the pacing rate in bytes per second, 0 for "do not pace" (no estimate yet)
     */
    double update(double estimate, long minRttNanos, long queueNanos, boolean busy) {
        if (estimate <= 0) {
            return 0;
        }
        double target = targetQueueNanos(minRttNanos);
        if (startup && busy) {
            if (estimate >= startupBest * STARTUP_GROWTH) {
                startupBest = estimate;
                startupFlatSteps = 0;
            } else {
                startupFlatSteps++;
            }
            // Ends at the first queue above target (the path is full) or once the estimate stops growing.
            if (queueNanos > target || startupFlatSteps >= startupPatienceSteps(minRttNanos)) {
                startup = false;
            } else {
                return estimate * STARTUP_GAIN;
            }
        }
        double error = Math.clamp((target - queueNanos) / target, -2.0, 1.0);
        if (busy) {
            double next = correction * (1 + STEP * (error > 0 ? upStepScale(minRttNanos) * error : error));
            if (error > 0 && correction < 1.0) {
                next = Math.max(next, correction + (1.0 - correction) * RECOVERY * error);
            }
            correction = Math.clamp(next, MIN_CORRECTION, MAX_CORRECTION);
        }
        return estimate * correction;
    }

    /**
     * The share of {@link #STEP} a step up may take: all of it on paths up to one step long, less on longer ones,
     * so that the rate rises by at most {@link #STEP} per round trip. A rise shows in the queue only a round trip
     * later: on the benchmark's 200-ms link, full steps every 100 ms overshot its 52-ms buffer again and again
     * and dropped about 3 % of its packets (359-414 in a 15-s transfer, clean links). Each drop held the flow's
     * delivery for about 250 ms (the repair takes more than a round trip there) while the other links' data
     * waited behind it. With the scaled step the same link dropped 178-299, and the flow's longest hold was
     * 255-323 ms instead of 411-438 (three runs each). Down steps are not scaled: a queue past its target is
     * drained at once.
     */
    static double upStepScale(long minRttNanos) {
        return minRttNanos <= STEP_NANOS ? 1.0 : (double) STEP_NANOS / minRttNanos;
    }

    /** Steps without growth that end startup: three of the path's RTTs (an estimate moves once per RTT), at least 3. */
    static int startupPatienceSteps(long minRttNanos) {
        return (int) Math.max(3, Math.ceil(3.0 * minRttNanos / STEP_NANOS));
    }

    private static final long STEP_NANOS = 100_000_000L;

    /** Whether the uplink is still in its startup (see {@link #STARTUP_GAIN}). */
    boolean inStartup() {
        return startup;
    }

    /** The queueing the pacer aims at: 10 ms plus a twentieth of the minimum RTT. */
    static long targetQueueNanos(long minRttNanos) {
        return TARGET_FLOOR_NANOS + minRttNanos / 20;
    }

    double correction() {
        return correction;
    }
}
