package io.quicbond.client.uplink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.client.config.ClientConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.InstantSource;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Counts what each uplink with a data budget carries in the current period, keeps the count in a state file across
 * restarts, and says when a budget is used up or starts afresh.
 *
 * <p>Threads: {@link #tick} runs on the app's budget thread; {@link #configure} on the reload path; {@link #status}
 * on status requests. All public methods are synchronized. The listener is called from {@link #tick} and
 * {@link #configure}.
 */
public final class UplinkBudgets {
    private static final System.Logger LOG = System.getLogger(UplinkBudgets.class.getName());
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Told when an uplink's budget becomes used up ({@code true}) or available again ({@code false}). */
    public interface Listener {
        void exhaustedChanged(String uplink, boolean exhausted, Usage usage);
    }

    /** One uplink's budget in the current period; the period's bounds as ISO-8601 local date-times with offset. */
    public record Usage(String uplink, long usedBytes, long budgetBytes, String periodStart, String periodEnd,
                        boolean exhausted) {
    }

    private static final class Entry {
        ClientConfig.Budget budget;
        ZonedDateTime periodStart;
        long used;
        long lastCarried = -1;
        boolean exhausted;
    }

    private final Path stateFile;
    private final InstantSource clock;
    private final ZoneId zone;
    private final ToLongFunction<String> carried;
    private final Listener listener;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Map<String, JsonNode> saved;
    private boolean dirty;

    /**
     * @param stateFile where use is kept; null = nowhere (use restarts at 0 with the client)
     * @param carried   bytes an uplink has carried since the client added it (monotonic while it stays configured)
     */
    public UplinkBudgets(Path stateFile, InstantSource clock, ZoneId zone, ToLongFunction<String> carried,
                         Listener listener) {
        this.stateFile = stateFile;
        this.clock = clock;
        this.zone = zone;
        this.carried = carried;
        this.listener = listener;
        this.saved = load(stateFile);
    }

    /** Takes the budgets of {@code uplinks} (start and reload); an uplink no longer budgeted is forgotten. */
    public synchronized void configure(List<ClientConfig.Uplink> uplinks) {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant(), zone);
        Map<String, Entry> before = new LinkedHashMap<>(entries);
        entries.clear();
        for (ClientConfig.Uplink u : uplinks) {
            if (u.budget() == null) {
                Entry old = before.get(u.name());
                if (old != null && old.exhausted) {
                    listener.exhaustedChanged(u.name(), false, usage(u.name(), old, now));
                }
                continue;
            }
            Entry e = before.get(u.name());
            if (e == null) {
                e = fromSaved(u.name(), u.budget(), now);
                e.lastCarried = carried.applyAsLong(u.name()); // what it carried before it had a budget is not counted
            }
            e.budget = u.budget();
            entries.put(u.name(), e);
            rollOver(u.name(), e, now);
            judge(u.name(), e, now);
        }
        dirty = true;
    }

    /** Counts what each uplink carried since the last tick, starts new periods, and reports budgets used up. */
    public synchronized void tick() {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant(), zone);
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            String name = me.getKey();
            Entry e = me.getValue();
            long total = carried.applyAsLong(name);
            if (total >= 0) {
                // No earlier count, or a counter that went back (the uplink was re-added): everything it shows is new.
                long delta = e.lastCarried < 0 || total < e.lastCarried ? total : total - e.lastCarried;
                e.lastCarried = total;
                if (delta > 0) {
                    e.used += delta;
                    dirty = true;
                }
            }
            rollOver(name, e, now);
            judge(name, e, now);
        }
    }

    /** Writes the state file if anything changed since the last save. */
    public synchronized void save() {
        if (stateFile == null || !dirty) {
            return;
        }
        ObjectNode root = JSON.createObjectNode();
        ObjectNode ups = root.putObject("uplinks");
        saved.forEach(ups::set); // uplinks configured earlier keep their record
        for (Map.Entry<String, Entry> me : entries.entrySet()) {
            ObjectNode n = ups.putObject(me.getKey());
            n.put("period_start", me.getValue().periodStart.toOffsetDateTime().toString());
            n.put("used_bytes", me.getValue().used);
        }
        try {
            Path parent = stateFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Path tmp = stateFile.resolveSibling(stateFile.getFileName() + ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), root);
            Files.move(tmp, stateFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            dirty = false;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot save data budget use to " + stateFile + ": " + e.getMessage());
        }
    }

    public synchronized boolean exhausted(String uplink) {
        Entry e = entries.get(uplink);
        return e != null && e.exhausted;
    }

    public synchronized List<Usage> status() {
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant(), zone);
        List<Usage> out = new ArrayList<>();
        entries.forEach((name, e) -> out.add(usage(name, e, now)));
        return out;
    }

    private Usage usage(String name, Entry e, ZonedDateTime now) {
        ClientConfig.Budget b = e.budget;
        return new Usage(name, e.used, b == null ? 0 : b.bytes(), e.periodStart.toOffsetDateTime().toString(),
                b == null ? null : b.period().next(now, b.resetDay()).toOffsetDateTime().toString(), e.exhausted);
    }

    private void rollOver(String name, Entry e, ZonedDateTime now) {
        ZonedDateTime start = e.budget.period().start(now, e.budget.resetDay());
        if (!start.toInstant().equals(e.periodStart == null ? null : e.periodStart.toInstant())) {
            if (e.periodStart != null && e.used > 0) {
                LOG.log(System.Logger.Level.INFO, "uplink " + name + ": new budget period from " + start
                        + " (used " + e.used + " bytes in the last)");
            }
            e.periodStart = start;
            e.used = 0;
            dirty = true;
        }
    }

    private void judge(String name, Entry e, ZonedDateTime now) {
        boolean exhausted = e.used >= e.budget.bytes();
        if (exhausted != e.exhausted) {
            e.exhausted = exhausted;
            listener.exhaustedChanged(name, exhausted, usage(name, e, now));
        }
    }

    private Entry fromSaved(String name, ClientConfig.Budget budget, ZonedDateTime now) {
        Entry e = new Entry();
        e.budget = budget;
        JsonNode n = saved.get(name);
        if (n != null && n.hasNonNull("period_start") && n.hasNonNull("used_bytes")) {
            try {
                e.periodStart = java.time.OffsetDateTime.parse(n.get("period_start").asText()).atZoneSameInstant(zone);
                e.used = Math.max(0, n.get("used_bytes").asLong());
            } catch (java.time.format.DateTimeParseException ex) {
                LOG.log(System.Logger.Level.WARNING, "state file " + stateFile + ": uplink " + name
                        + " has a bad period_start; its use starts at 0");
            }
        }
        return e;
    }

    private static Map<String, JsonNode> load(Path stateFile) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        if (stateFile == null || !Files.exists(stateFile)) {
            return out;
        }
        try {
            JsonNode root = JSON.readTree(stateFile.toFile());
            JsonNode ups = root == null ? null : root.get("uplinks");
            if (ups != null && ups.isObject()) {
                ups.properties().forEach(p -> out.put(p.getKey(), p.getValue()));
            } else {
                LOG.log(System.Logger.Level.WARNING, "state file " + stateFile + " has no \"uplinks\" object; budget"
                        + " use starts at 0");
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot read state file " + stateFile + " (" + e.getMessage()
                    + "); budget use starts at 0");
        }
        return out;
    }
}
