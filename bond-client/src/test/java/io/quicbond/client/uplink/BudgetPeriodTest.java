package io.quicbond.client.uplink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class BudgetPeriodTest {
    private static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    private static ZonedDateTime at(String local) {
        return java.time.LocalDateTime.parse(local).atZone(ZONE);
    }

    @Test
    void aDayStartsAtLocalMidnight() {
        assertEquals(at("2026-11-25T00:00"), BudgetPeriod.DAY.start(at("2026-11-25T17:30"), 1));
        assertEquals(at("2026-11-26T00:00"), BudgetPeriod.DAY.next(at("2026-11-25T17:30"), 1));
    }

    @Test
    void aWeekStartsOnItsResetDay() {
        // 2026-11-25 is a Wednesday; reset on Monday (1) and on Friday (5)
        assertEquals(at("2026-11-23T00:00"), BudgetPeriod.WEEK.start(at("2026-11-25T10:00"), 1));
        assertEquals(at("2026-11-20T00:00"), BudgetPeriod.WEEK.start(at("2026-11-25T10:00"), 5));
        assertEquals(at("2026-11-25T00:00"), BudgetPeriod.WEEK.start(at("2026-11-25T10:00"), 3), "today is the reset day");
        assertEquals(at("2026-11-30T00:00"), BudgetPeriod.WEEK.next(at("2026-11-25T10:00"), 1));
    }

    @Test
    void aMonthStartsOnItsResetDayInThisOrTheLastMonth() {
        assertEquals(at("2026-11-01T00:00"), BudgetPeriod.MONTH.start(at("2026-11-25T10:00"), 1));
        assertEquals(at("2026-10-28T00:00"), BudgetPeriod.MONTH.start(at("2026-11-25T10:00"), 28));
        assertEquals(at("2026-12-28T00:00"), BudgetPeriod.MONTH.next(at("2026-11-28T00:00"), 28));
        assertEquals(at("2026-01-15T00:00"), BudgetPeriod.MONTH.start(at("2026-02-14T23:59"), 15), "across a year");
        assertEquals(at("2025-12-15T00:00"), BudgetPeriod.MONTH.start(at("2026-01-14T23:59"), 15), "across a year end");
    }
}
