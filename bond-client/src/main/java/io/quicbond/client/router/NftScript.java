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

    /** The whole script for {@code plan}. */
    public static String render(RouterPlan plan) {
        var r = plan.router();
        String table = r.nftTable();
        String port = Integer.toString(r.tproxyPort());
        String mark = plan.mark();
        StringBuilder s = new StringBuilder();
        s.append("# bond-client router up: LAN traffic into the transparent ingress (TPROXY). Removed by 'router down'.\n");
        s.append("table inet ").append(table).append('\n');
        s.append("delete table inet ").append(table).append('\n');
        s.append("table inet ").append(table).append(" {\n");
        set(s, "bypass_v4", "ipv4_addr", plan.bypass4());
        if (r.ipv6()) {
            set(s, "bypass_v6", "ipv6_addr", plan.bypass6());
        }
        s.append("\tchain prerouting {\n");
        s.append("\t\ttype filter hook prerouting priority mangle; policy accept;\n");
        s.append("\t\tiifname != { ").append(r.lanInterfaces().stream().map(i -> "\"" + i + "\"")
                .collect(Collectors.joining(", "))).append(" } return\n");
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
