package io.quicbond.client.rules;

import io.quicbond.transport.net.IpLiterals;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A set of ports written as a comma-separated list of ports and inclusive ranges, such as
 * {@code "3478-3481,19302-19309"} or {@code "53, 853"}. Immutable; any thread.
 *
 * <p>Ports are 1..65535. Spaces around items and around '-' are allowed; empty items, reversed ranges and
 * anything but ASCII digits are errors. Overlapping or adjacent ranges are merged, so {@link #toString()} is a
 * canonical form that {@link #parse} reads back to an equal set.
 */
public final class PortRanges {
    /** More items than this is certainly a mistake (or hostile input), and would slow every lookup. */
    static final int MAX_ITEMS = 1024;
    private static final int MAX_TEXT = 16 * 1024;

    /** starts[i]..ends[i], sorted, disjoint and not adjacent. */
    private final int[] starts;
    private final int[] ends;

    private PortRanges(int[] starts, int[] ends) {
        this.starts = starts;
        this.ends = ends;
    }

    /**
     * Parses a port list.
     *
     * @throws IllegalArgumentException saying which item is wrong and why
     */
    public static PortRanges parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("no ports given (expected e.g. '443' or '3478-3481,19302-19309')");
        }
        if (text.length() > MAX_TEXT) {
            throw new IllegalArgumentException("port list too long: " + text.length() + " characters");
        }
        String[] items = text.split(",", -1);
        if (items.length > MAX_ITEMS) {
            throw new IllegalArgumentException("too many port items: " + items.length + " (at most " + MAX_ITEMS + ")");
        }
        List<int[]> ranges = new ArrayList<>(items.length);
        for (String raw : items) {
            String item = raw.strip();
            if (item.isEmpty()) {
                throw new IllegalArgumentException("empty item in port list " + IpLiterals.quote(text));
            }
            int dash = item.indexOf('-');
            int start;
            int end;
            if (dash < 0) {
                start = port(item, item);
                end = start;
            } else {
                start = port(item.substring(0, dash).strip(), item);
                end = port(item.substring(dash + 1).strip(), item);
                if (start > end) {
                    throw new IllegalArgumentException("bad port range " + IpLiterals.quote(item) + ": start is after end");
                }
            }
            ranges.add(new int[] {start, end});
        }
        ranges.sort((a, b) -> Integer.compare(a[0], b[0]));
        List<int[]> merged = new ArrayList<>();
        for (int[] r : ranges) {
            int[] last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && r[0] <= last[1] + 1) {
                last[1] = Math.max(last[1], r[1]);
            } else {
                merged.add(r.clone());
            }
        }
        int[] starts = new int[merged.size()];
        int[] ends = new int[merged.size()];
        for (int i = 0; i < merged.size(); i++) {
            starts[i] = merged.get(i)[0];
            ends[i] = merged.get(i)[1];
        }
        return new PortRanges(starts, ends);
    }

    private static int port(String s, String item) {
        if (s.isEmpty() || s.length() > 5 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("bad port " + IpLiterals.quote(s) + " in " + IpLiterals.quote(item)
                    + " (expected a number 1..65535, or a range like 3478-3481)");
        }
        int p = Integer.parseInt(s);
        if (p < 1 || p > 65535) {
            throw new IllegalArgumentException("port out of range in " + IpLiterals.quote(item) + ": " + p + " (1..65535)");
        }
        return p;
    }

    /** Whether {@code port} is in the set. */
    public boolean contains(int port) {
        int i = Arrays.binarySearch(starts, port);
        if (i >= 0) {
            return true;
        }
        int before = -i - 2;
        return before >= 0 && port <= ends[before];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PortRanges p && Arrays.equals(p.starts, starts) && Arrays.equals(p.ends, ends);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(starts) * 31 + Arrays.hashCode(ends);
    }

    /** The canonical form: sorted, merged, no spaces, e.g. {@code 53,3478-3481}. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < starts.length; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(starts[i]);
            if (ends[i] != starts[i]) {
                out.append('-').append(ends[i]);
            }
        }
        return out.toString();
    }
}
