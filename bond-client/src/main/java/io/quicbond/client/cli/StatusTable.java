package io.quicbond.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The status JSON ({@link io.quicbond.client.status.StatusDocument}) as a table for people. Reads the JSON
 * leniently: a missing field shows as "-". Stateless.
 */
final class StatusTable {
    private static final String[] HEADER = {"UPLINK", "STATE", "RTT ms", "LOSS %", "SENT", "RATE UP", "RECEIVED",
            "RATE DOWN", "UNACKED", "NOTE"};
    /** Right-aligned columns. */
    private static final boolean[] RIGHT = {false, false, true, true, true, true, true, true, true, false};

    private StatusTable() {
    }

    static String render(JsonNode doc) {
        JsonNode session = doc.path("session");
        StringBuilder out = new StringBuilder();
        JsonNode vless = doc.path("vless");
        if (vless.isObject()) {
            out.append("compat mode: VLESS to ").append(vless.path("server").asText("-"))
                    .append(vless.path("mptcp").asBoolean() ? " over MPTCP" : " over TCP").append(", ")
                    .append(vless.path("connections").asLong()).append(" connections (")
                    .append(vless.path("mptcp_connections").asLong()).append(" MPTCP)\n");
        } else {
            out.append("session ").append(session.path("session_id").asText("-"))
                .append("  user ").append(session.path("user").asText("-"))
                .append("  flows ").append(session.path("tcp_flows").asInt()).append(" tcp, ")
                .append(session.path("udp_flows").asInt()).append(" udp")
                .append("  reinjected ").append(bytes(session.path("reinjected_bytes"))).append('\n');
        }
        JsonNode ingress = doc.path("ingress");
        List<String> listeners = new ArrayList<>();
        if (ingress.hasNonNull("socks5")) {
            listeners.add("socks5 " + ingress.get("socks5").asText());
        }
        if (ingress.hasNonNull("http")) {
            listeners.add("http " + ingress.get("http").asText());
        }
        for (JsonNode f : ingress.path("forwards")) {
            listeners.add("forward " + f.path("protocol").asText() + " " + f.path("listen").asText() + " -> "
                    + f.path("to").asText());
        }
        if (!listeners.isEmpty()) {
            out.append("ingress ").append(String.join(", ", listeners)).append('\n');
        }
        JsonNode tp = ingress.path("transparent");
        if (tp.isObject()) {
            out.append("router  tproxy ").append(tp.path("listen").asText()).append(tp.path("ipv6").asBoolean() ? " (+ IPv6)" : "")
                    .append("  tcp ").append(tp.path("tcp_open").asInt()).append(" open / ")
                    .append(tp.path("tcp_accepted").asLong()).append(" accepted")
                    .append("  udp ").append(tp.path("udp_open").asInt()).append(" open / ")
                    .append(tp.path("udp_started").asLong()).append(" started")
                    .append("  dns ").append(tp.hasNonNull("dns_resolver") ? "-> " + tp.get("dns_resolver").asText()
                            : "not intercepted");
            if (tp.hasNonNull("dns_listen")) {
                out.append(", local upstream ").append(tp.get("dns_listen").asText());
            }
            out.append('\n');
        }
        out.append('\n');

        Map<String, JsonNode> attached = new LinkedHashMap<>();
        for (JsonNode u : session.path("uplinks")) {
            String name = u.path("name").asText();
            JsonNode seen = attached.get(name);
            if (seen == null || rank(u.path("state").asText()) >= rank(seen.path("state").asText())) {
                attached.put(name, u);
            }
        }
        List<String[]> rows = new ArrayList<>();
        for (JsonNode c : doc.path("configured")) {
            String name = c.path("name").asText();
            JsonNode u = attached.remove(name);
            String note = c.hasNonNull("last_error") && !"connected".equals(c.path("state").asText())
                    ? "last error: " + c.get("last_error").asText() : "";
            rows.add(u != null ? row(u, note) : new String[] {name, c.path("state").asText("-"), "-", "-", "-", "-", "-",
                    "-", "-", note});
        }
        for (JsonNode u : attached.values()) {
            rows.add(row(u, "not configured"));
        }
        out.append(table(rows));
        for (JsonNode b : doc.path("budgets")) {
            out.append("budget ").append(b.path("uplink").asText()).append(": ").append(bytes(b.path("used_bytes")))
                    .append(" of ").append(bytes(b.path("budget_bytes"))).append(" used since ")
                    .append(b.path("period_start").asText()).append(b.path("exhausted").asBoolean()
                            ? ", used up: backup only until " + b.path("period_end").asText() : "").append('\n');
        }
        return out.toString();
    }

    private static int rank(String state) {
        return switch (state) {
            case "up" -> 2;
            case "suspect" -> 1;
            default -> 0;
        };
    }

    private static String[] row(JsonNode u, String note) {
        return new String[] {u.path("name").asText(), u.path("state").asText("-"), number(u.path("rtt_ms"), 1),
                number(u.path("loss_percent"), 1), bytes(u.path("bytes_sent")), rate(u.path("send_rate")),
                bytes(u.path("bytes_received")), rate(u.path("receive_rate")), bytes(u.path("unacked_bytes")), note};
    }

    private static String table(List<String[]> rows) {
        int[] width = new int[HEADER.length];
        List<String[]> all = new ArrayList<>();
        all.add(HEADER);
        all.addAll(rows);
        for (String[] r : all) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String cell = r[i];
                String pad = " ".repeat(width[i] - cell.length());
                line.append(RIGHT[i] ? pad + cell : cell + pad);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static String number(JsonNode n, int decimals) {
        if (!n.isNumber()) {
            return "-";
        }
        double v = n.asDouble();
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "-";
    }

    /** Bytes in binary units: 512 B, 1.5 KiB, 12.0 MiB, 3.2 GiB. */
    static String bytes(JsonNode n) {
        if (!n.isNumber()) {
            return "-";
        }
        double v = n.asDouble();
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        while (Math.abs(v) >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? String.format(Locale.ROOT, "%.0f B", v) : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    /** Bytes per second as bits per second, the unit links are sold in: 980 kbit/s, 12.3 Mbit/s. */
    static String rate(JsonNode n) {
        if (!n.isNumber() || !Double.isFinite(n.asDouble())) {
            return "-";
        }
        double bits = n.asDouble() * 8;
        if (bits >= 1e9) {
            return String.format(Locale.ROOT, "%.2f Gbit/s", bits / 1e9);
        }
        if (bits >= 1e6) {
            return String.format(Locale.ROOT, "%.1f Mbit/s", bits / 1e6);
        }
        if (bits >= 1e3) {
            return String.format(Locale.ROOT, "%.0f kbit/s", bits / 1e3);
        }
        return String.format(Locale.ROOT, "%.0f bit/s", bits);
    }
}
