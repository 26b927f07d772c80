package io.quicbond.interop.emulator;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One step of a scripted outage: at {@code at} after {@link LinkEmulator#schedule} was called, cut or restore the link.
 *
 * @param at      offset from the start of the schedule, 0 .. 1 day
 * @param action  what to do then
 */
public record ScheduledAction(Duration at, Action action) {

    public enum Action { CUT, RESTORE }

    public ScheduledAction {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(action, "action");
        if (at.isNegative() || at.compareTo(LinkProfile.MAX_DELAY) > 0) {
            throw new IllegalArgumentException("schedule time must be between 0 and 1 day: " + at);
        }
    }

    public static ScheduledAction cutAt(Duration at) {
        return new ScheduledAction(at, Action.CUT);
    }

    public static ScheduledAction restoreAt(Duration at) {
        return new ScheduledAction(at, Action.RESTORE);
    }

    /**
     * Parses e.g. {@code cut@5s,restore@8.5s}; times take ns, us, ms or s.
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    public static List<ScheduledAction> parseList(String spec) {
        return SpecParser.parseSchedule(spec);
    }

    @Override
    public String toString() {
        return action.name().toLowerCase(java.util.Locale.ROOT) + "@" + SpecParser.formatDuration(at);
    }
}
