package io.quicbond.client.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.config.ClientConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UplinkBudgetsTest {
    private static final ZoneId UTC = ZoneId.of("UTC");
    private final Map<String, Long> carried = new HashMap<>();
    private final List<String> events = new ArrayList<>();
    private Instant now = Instant.parse("2026-11-25T12:00:00Z");
    private final InstantSource clock = () -> now;

    @TempDir
    Path dir;

    private UplinkBudgets budgets(Path state) {
        return new UplinkBudgets(state, clock, UTC, name -> carried.getOrDefault(name, -1L),
                (name, exhausted, usage) -> events.add(name + (exhausted ? " used up" : " available")));
    }

    private static ClientConfig.Uplink lte(long budgetBytes, BudgetPeriod period) {
        return new ClientConfig.Uplink("lte0", null, null, null, true, true, 1.0, 0, 0,
                new ClientConfig.Budget(budgetBytes, period, 1), null);
    }

    @Test
    void anUplinkThatCarriesItsBudgetIsReportedUsedUpOnce() {
        UplinkBudgets b = budgets(null);
        carried.put("lte0", 0L);
        b.configure(List.of(lte(1_000_000, BudgetPeriod.MONTH)));
        carried.put("lte0", 600_000L);
        b.tick();
        assertFalse(b.exhausted("lte0"));
        carried.put("lte0", 1_000_001L);
        b.tick();
        b.tick();
        assertTrue(b.exhausted("lte0"));
        assertEquals(List.of("lte0 used up"), events);
        assertEquals(1_000_001L, b.status().getFirst().usedBytes());
    }

    @Test
    void aNewPeriodMakesTheBudgetAvailableAgain() {
        UplinkBudgets b = budgets(null);
        carried.put("lte0", 0L);
        b.configure(List.of(lte(1_000, BudgetPeriod.DAY)));
        carried.put("lte0", 5_000L);
        b.tick();
        now = now.plus(Duration.ofHours(13)); // past midnight UTC
        b.tick();
        assertFalse(b.exhausted("lte0"));
        assertEquals(List.of("lte0 used up", "lte0 available"), events);
        assertEquals(0, b.status().getFirst().usedBytes());
    }

    @Test
    void useSurvivesARestartThroughTheStateFile() throws Exception {
        Path state = dir.resolve("usage.json");
        UplinkBudgets first = budgets(state);
        carried.put("lte0", 0L);
        first.configure(List.of(lte(10_000, BudgetPeriod.MONTH)));
        carried.put("lte0", 7_000L);
        first.tick();
        first.save();
        assertTrue(Files.readString(state).contains("\"used_bytes\" : 7000"), Files.readString(state));

        // The client restarts: its counters start at 0, the file remembers 7000.
        carried.put("lte0", 0L);
        UplinkBudgets second = budgets(state);
        second.configure(List.of(lte(10_000, BudgetPeriod.MONTH)));
        carried.put("lte0", 3_500L);
        second.tick();
        assertTrue(second.exhausted("lte0"));
        assertEquals(10_500, second.status().getFirst().usedBytes());
    }

    @Test
    void aStateFileFromAnEarlierPeriodCountsForNothing() throws Exception {
        Path state = dir.resolve("usage.json");
        Files.writeString(state, """
                {"uplinks": {"lte0": {"period_start": "2026-10-01T00:00Z", "used_bytes": 999999}}}""");
        UplinkBudgets b = budgets(state);
        carried.put("lte0", 0L);
        b.configure(List.of(lte(10_000, BudgetPeriod.MONTH)));
        assertFalse(b.exhausted("lte0"));
        assertEquals(0, b.status().getFirst().usedBytes());
    }

    @Test
    void aDamagedStateFileIsReportedAndUseStartsAtZero() throws Exception {
        Path state = dir.resolve("usage.json");
        for (String damaged : List.of("{", "[]", "{\"uplinks\": {\"lte0\": {\"period_start\": \"soon\", \"used_bytes\": 5}}}",
                "\u0000\u0001garbage")) {
            Files.writeString(state, damaged);
            UplinkBudgets b = budgets(state);
            carried.put("lte0", 0L);
            b.configure(List.of(lte(10_000, BudgetPeriod.MONTH)));
            assertEquals(0, b.status().getFirst().usedBytes(), damaged);
        }
    }

    @Test
    void droppingABudgetOnReloadReleasesAUsedUpUplink() {
        UplinkBudgets b = budgets(null);
        carried.put("lte0", 0L);
        b.configure(List.of(lte(100, BudgetPeriod.MONTH)));
        carried.put("lte0", 200L);
        b.tick();
        b.configure(List.of(new ClientConfig.Uplink("lte0", null, null, null, true)));
        assertEquals(List.of("lte0 used up", "lte0 available"), events);
        assertTrue(b.status().isEmpty());
    }

    @Test
    void bytesCarriedBeforeTheBudgetWasConfiguredDoNotCount() {
        UplinkBudgets b = budgets(null);
        carried.put("lte0", 50_000L);
        b.configure(List.of(lte(10_000, BudgetPeriod.MONTH)));
        b.tick();
        assertFalse(b.exhausted("lte0"));
    }
}
