package io.quicbond.transport.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private final Scheduler scheduler = new Scheduler();
    private final FakeUplink lte = new FakeUplink("lte", 40, 40);
    private final FakeUplink dsl = new FakeUplink("dsl", 100, 20);
    private final FakeUplink sat = new FakeUplink("sat", 200, 10);
    private final List<FakeUplink> all = List.of(lte, dsl, sat);

    @Test
    void aggregateLeavesChunksToTheFastLinkWhileItsBacklogIsShort() {
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, lte, all, 16384));
        assertFalse(scheduler.mayCarry(Policy.AGGREGATE, sat, all, 16384), "sat would deliver later than lte");
    }

    @Test
    void aggregateSpreadsABulkFlowWithMegabytesWaitingOverEveryLink() {
        long backlog = 4_000_000; // 800 ms at lte's 40 Mbit/s: sat delivers a chunk in ~100 ms
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, sat, all, 16384, backlog));
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, dsl, all, 16384, backlog));
        assertFalse(scheduler.mayCarry(Policy.AGGREGATE, sat, all, 16384, 32_768), "a small flow stays on lte");
    }

    @Test
    void aggregateUsesTheSlowLinkOnceTheFastOneIsBacklogged() {
        lte.unacked = 2_000_000; // 400 ms of backlog at 40 Mbit/s
        dsl.unacked = 600_000;   // 240 ms at 20 Mbit/s
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, sat, all, 16384));
    }

    @Test
    void unhealthyUplinksNeverCarry() {
        lte.healthy = false;
        for (Policy p : Policy.values()) {
            assertFalse(scheduler.mayCarry(p, lte, all, 16384), p.toString());
        }
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, dsl, all, 16384), "dsl is now the fastest healthy");
    }

    @Test
    void lowestLatencyPicksOnlyTheLowestRtt() {
        assertTrue(scheduler.mayCarry(Policy.LOWEST_LATENCY, lte, all, 1));
        assertFalse(scheduler.mayCarry(Policy.LOWEST_LATENCY, dsl, all, 1));
        lte.healthy = false;
        assertEquals(dsl, scheduler.lowestLatency(all));
        dsl.healthy = false;
        sat.healthy = false;
        assertNull(scheduler.lowestLatency(all));
    }

    @Test
    void failoverKeepsBackupsIdleWhileAPrimaryIsUp() {
        sat.primary = false;
        dsl.primary = false;
        assertTrue(scheduler.mayCarry(Policy.FAILOVER, lte, all, 1));
        assertFalse(scheduler.mayCarry(Policy.FAILOVER, dsl, all, 1));
        lte.healthy = false;
        assertTrue(scheduler.mayCarry(Policy.FAILOVER, dsl, all, 1));
        assertTrue(scheduler.mayCarry(Policy.FAILOVER, sat, all, 1));
    }

    @Test
    void redundantUsesEveryHealthyUplink() {
        for (FakeUplink u : all) {
            assertTrue(scheduler.mayCarry(Policy.REDUNDANT, u, all, 1));
        }
    }

    @Test
    void policyNamesParseWithDashes() {
        assertEquals(Policy.LOWEST_LATENCY, Policy.parse("lowest-latency"));
    }

    @Test
    void aBackupUplinkCarriesNothingUnderAnyPolicyWhileAPrimaryIsHealthy() {
        sat.primary = false;
        for (Policy p : Policy.values()) {
            assertFalse(scheduler.mayCarry(p, sat, all, 16384, 100_000_000), p.toString());
        }
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, dsl, all, 16384, 100_000_000), "primaries still aggregate");
        lte.healthy = false;
        dsl.healthy = false;
        for (Policy p : Policy.values()) {
            assertTrue(scheduler.mayCarry(p, sat, all, 16384), p + ": the backup takes over when no primary is up");
        }
        assertEquals(sat, scheduler.lowestLatency(all));
    }

    @Test
    void theLowestLatencyUplinkIsChosenWithinTheActiveTier() {
        lte.primary = false;
        assertEquals(dsl, scheduler.lowestLatency(all), "lte has the lowest RTT but is a backup");
        assertTrue(scheduler.mayCarry(Policy.LOWEST_LATENCY, dsl, all, 1));
    }

    @Test
    void aBackupDoesNotCountAsAFasterPathForAPrimary() {
        lte.primary = false;
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, dsl, all, 16384),
                "dsl is the fastest primary; lte, a backup, cannot take the chunk instead");
    }

    @Test
    void weightMakesAnUplinkLookFasterToTheAggregatePolicy() {
        long backlog = 100_000; // 20 ms at lte's 40 Mbit/s: dsl (20 Mbit/s, 100 ms RTT) is not worth it
        assertFalse(scheduler.mayCarry(Policy.AGGREGATE, dsl, all, 16384, backlog));
        dsl.weight = 4;
        lte.weight = 0.25;
        assertTrue(scheduler.mayCarry(Policy.AGGREGATE, dsl, all, 16384, backlog),
                "weighted up, dsl's delivery time beats the weighted-down lte");
    }
}
