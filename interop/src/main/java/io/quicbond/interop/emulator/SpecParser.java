package io.quicbond.interop.emulator;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text forms of links, profiles and schedules. Input is treated as hostile (it comes from command
 * lines and config files): every failure is an {@link IllegalArgumentException} whose message quotes a
 * bounded, printable excerpt of the bad part and says what was expected.
 */
final class SpecParser {

    /** Far above any real spec; keeps BigDecimal work and error messages bounded. */
    static final int MAX_SPEC_CHARS = 64 * 1024;

    /** Each link costs four threads and two sockets. */
    static final int MAX_LINKS = 256;

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.-]{0,31}");
    // No exponent form: "1e999999999" must not reach BigDecimal.
    private static final Pattern QUANTITY = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-zµ%]*)");
    private static final String EXPECTED =
            "expected a rate (40mbit), a delay (20ms), a loss (1%), a queue limit (q=256k), 'unlimited' or 'off'";
    private static final String EXAMPLE = "e.g. lte=40mbit/20ms/1%,dsl=20mbit/50ms";

    private SpecParser() {
    }

    // ---------------------------------------------------------------- links

    static List<EmulatedLinks.LinkSpec> parseLinks(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty link spec; " + EXAMPLE);
        }
        checkLength(spec, "link spec");
        String[] entries = spec.split(",", -1);
        if (entries.length > MAX_LINKS) {
            throw new IllegalArgumentException("too many links: " + entries.length + " (at most " + MAX_LINKS + ")");
        }
        List<EmulatedLinks.LinkSpec> links = new ArrayList<>(entries.length);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            String where = "link " + (i + 1) + " " + quote(entry);
            if (entry.isEmpty()) {
                throw new IllegalArgumentException("link " + (i + 1) + " is empty (stray comma?); " + EXAMPLE);
            }
            int eq = entry.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException(where + ": expected name=profile, " + EXAMPLE);
            }
            String name = entry.substring(0, eq).strip();
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(where + ": bad link name " + quote(name)
                        + "; a name starts with a letter and has at most 32 letters, digits, '_', '-' or '.'");
            }
            if (!names.add(name)) {
                throw new IllegalArgumentException(where + ": link name " + quote(name) + " is used twice");
            }
            String profiles = entry.substring(eq + 1);
            String[] parts = profiles.split(":", -1);
            if (parts.length > 2) {
                throw new IllegalArgumentException(where + ": at most two profiles, up:down, separated by one ':'");
            }
            try {
                LinkProfile up = parseProfile(parts[0], "up profile");
                LinkProfile down = parts.length == 2 ? parseProfile(parts[1], "down profile") : up;
                links.add(new EmulatedLinks.LinkSpec(name, up, down));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
        }
        return List.copyOf(links);
    }

    static String formatLinks(List<EmulatedLinks.LinkSpec> links) {
        StringBuilder out = new StringBuilder();
        for (EmulatedLinks.LinkSpec link : links) {
            if (!out.isEmpty()) {
                out.append(',');
            }
            out.append(link.toSpec());
        }
        return out.toString();
    }

    // ---------------------------------------------------------------- profiles

    static LinkProfile parseProfile(String spec) {
        if (spec == null) {
            throw new IllegalArgumentException("empty link profile; " + EXPECTED);
        }
        checkLength(spec, "link profile");
        try {
            return parseProfile(spec, "profile");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad link profile " + quote(spec) + ": " + e.getMessage(), e);
        }
    }

    private static LinkProfile parseProfile(String spec, String what) {
        if (spec.isBlank()) {
            throw new IllegalArgumentException("empty " + what + "; " + EXPECTED);
        }
        Long rate = null;
        Duration delay = null;
        Double loss = null;
        Integer queue = null;
        boolean off = false;
        for (String raw : spec.split("/", -1)) {
            String token = raw.strip().toLowerCase(Locale.ROOT);
            if (token.isEmpty()) {
                throw new IllegalArgumentException("empty part in " + what + " (stray '/'?); " + EXPECTED);
            }
            if (token.equals("off")) {
                if (off) {
                    throw twice("'off'", token);
                }
                off = true;
            } else if (token.equals("unlimited")) {
                rate = once(rate, 0L, "rate", token);
            } else if (token.startsWith("q=")) {
                queue = once(queue, parseQueue(token), "queue limit", token);
            } else {
                Matcher m = QUANTITY.matcher(token);
                if (!m.matches()) {
                    throw new IllegalArgumentException("cannot read " + quote(raw.strip()) + "; " + EXPECTED);
                }
                BigDecimal number = new BigDecimal(m.group(1));
                String unit = m.group(2);
                switch (unit) {
                    case "bit", "kbit", "mbit", "gbit", "tbit" -> rate = once(rate, rate(number, unit, token), "rate", token);
                    case "ns", "us", "µs", "ms", "s" -> delay = once(delay, delay(number, unit, token), "delay", token);
                    case "%" -> loss = once(loss, loss(number, token), "loss", token);
                    case "bps", "kbps", "mbps", "gbps", "tbps" -> throw new IllegalArgumentException(
                            quote(token) + ": '" + unit + "' is ambiguous (tc reads it as bytes per second); write '"
                                    + unit.replace("bps", "bit") + "' for bits per second");
                    case "" -> throw new IllegalArgumentException(
                            quote(token) + " has no unit; " + EXPECTED);
                    default -> throw new IllegalArgumentException(
                            "unknown unit " + quote(unit) + " in " + quote(token) + "; " + EXPECTED);
                }
            }
        }
        return new LinkProfile(rate == null ? 0 : rate, delay == null ? Duration.ZERO : delay,
                loss == null ? 0 : loss, queue == null ? 0 : queue, !off);
    }

    private static <T> T once(T previous, T value, String what, String token) {
        if (previous != null) {
            throw twice(what, token);
        }
        return value;
    }

    private static IllegalArgumentException twice(String what, String token) {
        return new IllegalArgumentException("the " + what + " is given twice (second time as " + quote(token) + ")");
    }

    private static long rate(BigDecimal number, String unit, String token) {
        BigDecimal bits = number.multiply(switch (unit) {
            case "kbit" -> BigDecimal.valueOf(1_000L);
            case "mbit" -> BigDecimal.valueOf(1_000_000L);
            case "gbit" -> BigDecimal.valueOf(1_000_000_000L);
            case "tbit" -> BigDecimal.valueOf(1_000_000_000_000L);
            default -> BigDecimal.ONE;
        });
        return wholeLong(bits, token, "rate", "bit/s");
    }

    static Duration delay(BigDecimal number, String unit, String token) {
        BigDecimal nanos = number.multiply(switch (unit) {
            case "us", "µs" -> BigDecimal.valueOf(1_000L);
            case "ms" -> BigDecimal.valueOf(1_000_000L);
            case "s" -> BigDecimal.valueOf(1_000_000_000L);
            default -> BigDecimal.ONE;
        });
        long n = wholeLong(nanos, token, "delay", "ns");
        if (n > LinkProfile.MAX_DELAY.toNanos()) {
            throw new IllegalArgumentException(quote(token) + ": a time must be at most 1 day");
        }
        return Duration.ofNanos(n);
    }

    private static double loss(BigDecimal percent, String token) {
        if (percent.compareTo(BigDecimal.valueOf(100)) > 0) {
            throw new IllegalArgumentException(quote(token) + ": loss must be between 0% and 100%");
        }
        return percent.movePointLeft(2).doubleValue();
    }

    private static int parseQueue(String token) {
        Matcher m = QUANTITY.matcher(token.substring(2));
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read queue limit " + quote(token)
                    + "; expected q=<bytes> with an optional unit k, m (binary) or kb, mb (decimal), e.g. q=256k");
        }
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(switch (m.group(2)) {
            case "", "b" -> BigDecimal.ONE;
            case "k", "kib" -> BigDecimal.valueOf(1024L);
            case "m", "mib" -> BigDecimal.valueOf(1024L * 1024);
            case "kb" -> BigDecimal.valueOf(1_000L);
            case "mb" -> BigDecimal.valueOf(1_000_000L);
            default -> throw new IllegalArgumentException("unknown unit " + quote(m.group(2)) + " in queue limit "
                    + quote(token) + "; use k, m (binary) or kb, mb (decimal), e.g. q=256k");
        });
        long n = wholeLong(bytes, token, "queue limit", "bytes");
        if (n < 1 || n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(quote(token) + ": queue limit must be 1 byte .. 2 GiB");
        }
        return (int) n;
    }

    private static long wholeLong(BigDecimal value, String token, String what, String unit) {
        BigDecimal stripped = value.stripTrailingZeros();
        if (stripped.scale() > 0) {
            throw new IllegalArgumentException(quote(token) + ": the " + what + " must be a whole number of " + unit);
        }
        if (stripped.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
            throw new IllegalArgumentException(quote(token) + ": the " + what + " is too large");
        }
        return stripped.longValueExact();
    }

    static String formatProfile(LinkProfile p) {
        List<String> parts = new ArrayList<>(5);
        parts.add(p.bitsPerSecond() == 0 ? "unlimited" : formatRate(p.bitsPerSecond()));
        if (!p.delay().isZero()) {
            parts.add(formatDuration(p.delay()));
        }
        if (p.loss() > 0) {
            // valueOf gives the shortest decimal that reads back as the same double, so this round-trips.
            parts.add(BigDecimal.valueOf(p.loss()).movePointRight(2).stripTrailingZeros().toPlainString() + "%");
        }
        if (p.queueLimitBytes() > 0) {
            parts.add("q=" + formatBytes(p.queueLimitBytes()));
        }
        if (!p.up()) {
            parts.add("off");
        }
        return String.join("/", parts);
    }

    private static String formatRate(long bits) {
        String[] units = {"tbit", "gbit", "mbit", "kbit"};
        long[] factors = {1_000_000_000_000L, 1_000_000_000L, 1_000_000L, 1_000L};
        for (int i = 0; i < units.length; i++) {
            if (bits % factors[i] == 0) {
                return bits / factors[i] + units[i];
            }
        }
        return bits + "bit";
    }

    static String formatDuration(Duration d) {
        long nanos = d.toNanos();
        if (nanos != 0 && nanos % 1_000_000_000L == 0) {
            return nanos / 1_000_000_000L + "s";
        }
        if (nanos % 1_000_000L == 0) {
            return nanos / 1_000_000L + "ms";
        }
        if (nanos % 1_000L == 0) {
            return nanos / 1_000L + "us";
        }
        return nanos + "ns";
    }

    private static String formatBytes(int bytes) {
        if (bytes % (1024 * 1024) == 0) {
            return bytes / (1024 * 1024) + "m";
        }
        if (bytes % 1024 == 0) {
            return bytes / 1024 + "k";
        }
        return Integer.toString(bytes);
    }

    // ---------------------------------------------------------------- schedules

    static List<ScheduledAction> parseSchedule(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("empty schedule; expected e.g. cut@5s,restore@8s");
        }
        checkLength(spec, "schedule");
        List<ScheduledAction> actions = new ArrayList<>();
        for (String raw : spec.split(",", -1)) {
            String entry = raw.strip().toLowerCase(Locale.ROOT);
            int at = entry.indexOf('@');
            if (at < 0) {
                throw new IllegalArgumentException("schedule entry " + quote(raw.strip())
                        + ": expected action@time, e.g. cut@5s or restore@8.5s");
            }
            ScheduledAction.Action action = switch (entry.substring(0, at).strip()) {
                case "cut" -> ScheduledAction.Action.CUT;
                case "restore" -> ScheduledAction.Action.RESTORE;
                default -> throw new IllegalArgumentException("schedule entry " + quote(raw.strip())
                        + ": unknown action; expected cut or restore");
            };
            actions.add(new ScheduledAction(parseTime(entry.substring(at + 1).strip()), action));
        }
        return List.copyOf(actions);
    }

    /** A time such as 250ms, 1.5s or 10us. */
    static Duration parseTime(String text) {
        String token = text.strip().toLowerCase(Locale.ROOT);
        Matcher m = QUANTITY.matcher(token);
        if (!m.matches()) {
            throw new IllegalArgumentException("cannot read time " + quote(text) + "; expected e.g. 500ms or 2s");
        }
        return switch (m.group(2)) {
            case "ns", "us", "µs", "ms", "s" -> delay(new BigDecimal(m.group(1)), m.group(2), token);
            default -> throw new IllegalArgumentException("time " + quote(text) + " needs a unit: ns, us, ms or s");
        };
    }

    // ---------------------------------------------------------------- helpers

    private static void checkLength(String spec, String what) {
        if (spec.length() > MAX_SPEC_CHARS) {
            throw new IllegalArgumentException(what + " too long: " + spec.length() + " characters (at most "
                    + MAX_SPEC_CHARS + ")");
        }
    }

    /** Bounded and printable, so that a hostile spec cannot flood a log or forge lines in it. */
    static String quote(String s) {
        StringBuilder out = new StringBuilder("'");
        int limit = Math.min(s.length(), 60);
        for (int i = 0; i < limit; i++) {
            char c = s.charAt(i);
            boolean unsafe = Character.isISOControl(c) || Character.isSurrogate(c)
                    || Character.getType(c) == Character.FORMAT;   // e.g. U+202E, which reverses displayed text
            out.append(unsafe ? '?' : c);
        }
        if (s.length() > limit) {
            out.append("...");
        }
        return out.append('\'').toString();
    }
}
