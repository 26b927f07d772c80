package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RescueDeadlineTest {
    private static final long MS = 1_000_000L;

    @Test
    void theFlowAcknowledgementsWayBackIsCountedOverTheFastestUplink() {
        // A chunk on the 10 Mbit/s, 200-ms uplink with 125 kB ahead of it (100 ms at its rate): it arrives after
        // 100 + 100 ms, and the flow ACK that says so comes back over the 20-ms uplink in 10 ms, plus the far end's
        // 10-ms spacing and the 20-ms margin.
        long deadline = BondSession.rescueDeadlineNanos(125_000, 1_250_000, 200 * MS, 2 * MS, 20 * MS);
        assertEquals(240 * MS, deadline, MS / 10);
    }

    @Test
    void onTheFastestUplinkItselfTheWayBackIsItsOwn() {
        assertEquals(20 * MS + 10 * MS + 20 * MS, BondSession.rescueDeadlineNanos(0, 5_000_000, 20 * MS, 0, 20 * MS),
                MS / 10);
    }

    @Test
    void aJitteryPathGetsTwoVariancesOfMarginAndACalmOneTwentyMilliseconds() {
        long calm = BondSession.rescueDeadlineNanos(0, 1_250_000, 100 * MS, 1 * MS, 20 * MS);
        long jittery = BondSession.rescueDeadlineNanos(0, 1_250_000, 100 * MS, 30 * MS, 20 * MS);
        assertEquals(60 * MS - 20 * MS, jittery - calm, MS / 10);
    }
}
