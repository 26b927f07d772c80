package io.quicbond.client.uplink;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.TemporalAdjusters;
import java.util.Locale;

/** How often an uplink's data budget starts afresh: daily at midnight, weekly or monthly on a reset day (local time). */
public enum BudgetPeriod {
    DAY, WEEK, MONTH;

    public static BudgetPeriod parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown period '" + s + "' (day, week, month)");
        }
    }

    /** The valid reset days: none for DAY, 1..7 (Monday = 1) for WEEK, 1..28 for MONTH. */
    public int maxResetDay() {
        return switch (this) {
            case DAY -> 1;
            case WEEK -> 7;
            case MONTH -> 28;
        };
    }

    /** The start of the period that contains {@code now}. */
    public ZonedDateTime start(ZonedDateTime now, int resetDay) {
        ZoneId zone = now.getZone();
        LocalDate today = now.toLocalDate();
        LocalDate start = switch (this) {
            case DAY -> today;
            case WEEK -> today.with(TemporalAdjusters.previousOrSame(DayOfWeek.of(resetDay)));
            case MONTH -> today.getDayOfMonth() >= resetDay ? today.withDayOfMonth(resetDay)
                    : today.minusMonths(1).withDayOfMonth(resetDay);
        };
        return start.atStartOfDay(zone);
    }

    /** The start of the period after the one that contains {@code now}. */
    public ZonedDateTime next(ZonedDateTime now, int resetDay) {
        ZonedDateTime start = start(now, resetDay);
        return switch (this) {
            case DAY -> start.plusDays(1);
            case WEEK -> start.plusWeeks(1);
            case MONTH -> start.plusMonths(1);
        };
    }
}
