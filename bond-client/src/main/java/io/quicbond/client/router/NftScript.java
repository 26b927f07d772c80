package io.quicbond.client.router;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The nftables script of router mode, as text for {@code nft -f}. It declares the table, deletes it and declares it
 * again, in one transaction: applying it twice leaves one table, and a table left by a crash is replaced whole.
 *
 * <p>Only packets arriving on a LAN interface are looked at (hook prerouting), so the client's own traffic (the
 * uplinks' QUIC connections, generated on the router: hook output) can never be diverted back into the bond, whatever
 * its mark. Stateless; any thread.
 */
public final class NftScript {
    private NftScript() {
    }

    /** The whole script for {@code plan}: the diversion, and with {@code router.fail_closed} the forward drop. */
    public static String render(RouterPlan plan) {
        return render(plan, true);
    }

    /**
     * Only the forward drop of {@code router.fail_closed} (with its bypass sets), replacing the whole table: what
     * {@code router down --keep-fail-closed} leaves while the client is stopped, so that the LAN reaches nothing
     * beyond the bypass ranges until the client and {@code router up} are back.
     */
    public static String renderFailClosedOnly(RouterPlan plan) {
        return render(plan, false);
    }

    private static String render(RouterPlan plan, boolean divert) {
        var r = plan.router();
        String table = r.nftTable();
        String port = Integer.toString(r.tproxyPort());
        String mark = plan.mark();
        StringBuilder s = new StringBuilder();
        s.append(divert ? "# bond-client router up: LAN traffic into the transparent ingress (TPROXY). Removed by 'router down'.\n"
                : "# bond-client router down --keep-fail-closed: the LAN is cut off until 'router up'. Removed by 'router down'.\n");
        s.append("table inet ").append(table).append('\n');
        s.append("delete table inet ").append(table).append('\n');
        s.append("table inet ").append(table).append(" {\n");
        set(s, "bypass_v4", "ipv4_addr", plan.bypass4());
        boolean v6Set = r.ipv6() || r.failClosed();
        if (v6Set) {
            set(s, "bypass_v6", "ipv6_addr", plan.bypass6());
        }
        if (r.failClosed()) {
            // Diverted traffic is delivered locally (hook input), never forwarded: what reaches hook forward from the
            // LAN is what the bond does not carry (other protocols, IPv6 when off) or everything while the diversion
            // is gone. Dropping it keeps the uplinks from seeing LAN traffic; the bypass ranges stay reachable.
            s.append("\tchain fail_closed {\n");
            s.append("\t\ttype filter hook forward priority filter - 1; policy accept;\n");
            s.append("\t\tiifname != ").append(lanSet(r.lanInterfaces())).append(" return\n");
            s.append("\t\tip daddr @bypass_v4 return\n");
            s.append("\t\tip6 daddr @bypass_v6 return\n");
            s.append("\t\tcounter drop comment \"quicbond fail-closed\"\n");
            s.append("\t}\n");
        }
        if (!divert) {
            s.append("}\n");
            return s.toString();
        }
        s.append("\tchain prerouting {\n");
        s.append("\t\ttype filter hook prerouting priority mangle; policy accept;\n");
        s.append("\t\tiifname != ").append(lanSet(r.lanInterfaces())).append(" return\n");
        if (!r.ipv6()) {
            s.append("\t\tmeta nfproto ipv6 return\n");
        }
        if (r.dnsIntercept()) {
            s.append("\t\tmeta l4proto { tcp, udp } th dport 53 jump divert\n");
        }
        s.append("\t\tfib daddr type local return\n");
        s.append("\t\tip daddr @bypass_v4 return\n");
        if (r.ipv6()) {
            s.append("\t\tip6 daddr @bypass_v6 return\n");
        }
        s.append("\t\tmeta l4proto { tcp, udp } jump divert\n");
        s.append("\t}\n");
        s.append("\tchain divert {\n");
        for (String proto : new String[]{"tcp", "udp"}) {
            s.append("\t\tmeta nfproto ipv4 meta l4proto ").append(proto).append(" tproxy ip to :").append(port)
                    .append(" meta mark set ").append(mark).append(" accept\n");
            if (r.ipv6()) {
                s.append("\t\tmeta nfproto ipv6 meta l4proto ").append(proto).append(" tproxy ip6 to :").append(port)
                        .append(" meta mark set ").append(mark).append(" accept\n");
            }
        }
        s.append("\t}\n");
        s.append("}\n");
        return s.toString();
    }

    private static String lanSet(List<String> interfaces) {
        return "{ " + interfaces.stream().map(i -> "\"" + i + "\"").collect(Collectors.joining(", ")) + " }";
    }

    private static void set(StringBuilder s, String name, String type, List<String> elements) {
        s.append("\tset ").append(name).append(" {\n");
        s.append("\t\ttype ").append(type).append("\n");
        // interval + auto-merge: a server address inside a built-in range (10.0.0.0/8) is no conflict.
        s.append("\t\tflags interval\n");
        s.append("\t\tauto-merge\n");
        s.append("\t\telements = { ").append(String.join(", ", elements)).append(" }\n");
        s.append("\t}\n");
    }

    /** Removes the table; for {@code router down}, only when {@code nft list table} found it. */
    public static String delete(String table) {
        return "delete table inet " + table + "\n";
    }
}
