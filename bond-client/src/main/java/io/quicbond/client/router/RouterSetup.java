package io.quicbond.client.router;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs, removes and reports router mode's system state: the nftables table ({@link NftScript}), and per address
 * family the policy-routing rule {@code fwmark M lookup T} and the route {@code local default dev lo table T}
 * that hand marked packets to the local transparent sockets.
 * <ul>
 *   <li>{@link #up} is idempotent and converges from any state (a crash in the middle, an earlier {@code up} with
 *       another config of the same mark and table): the table is replaced in one nft transaction, every copy of the
 *       rule is deleted before one is added, the route is replaced.</li>
 *   <li>{@link #down} removes exactly those, whatever of them is present, and nothing else: the routing table
 *       keeps any other route it holds.</li>
 * </ul>
 * Threads: one call at a time (the system state is global); any thread.
 */
public final class RouterSetup {
    /** More copies of the rule than this means something else keeps adding it. */
    private static final int MAX_RULE_COPIES = 64;

    private final Shell shell;
    private final List<String> log = new ArrayList<>();

    public RouterSetup(Shell shell) {
        this.shell = shell;
    }

    /** Every command run so far, with its exit code when it failed; for messages and tests. */
    public List<String> log() {
        return List.copyOf(log);
    }

    /**
     * Installs router mode for {@code plan}.
     *
     * @throws RouterSetupException naming the command and its error when nft or ip refuses; what was applied before
     *                              stays (run {@link #down} to remove it)
     */
    public void up(RouterPlan plan) throws RouterSetupException {
        var r = plan.router();
        must(run(NftScript.render(plan), "nft", "-f", "-"), "nft -f (the router table)");
        String mark = plan.mark();
        String table = Integer.toString(r.routeTable());
        for (String family : new String[]{"-4", "-6"}) {
            deleteRules(family, mark, table);
            deleteRoute(family, table);
            if ("-6".equals(family) && !r.ipv6()) {
                continue;
            }
            must(run(null, "ip", family, "rule", "add", "fwmark", mark, "lookup", table), "ip " + family + " rule add");
            must(run(null, "ip", family, "route", "replace", "local", "-4".equals(family) ? "0.0.0.0/0" : "::/0",
                    "dev", "lo", "table", table), "ip " + family + " route replace");
        }
    }

    /** Removes whatever of router mode's state is present. @throws RouterSetupException when nft or ip refuses */
    public void down(String nftTable, long fwmark, int routeTable) throws RouterSetupException {
        if (run(null, "nft", "list", "table", "inet", nftTable).ok()) {
            must(run(NftScript.delete(nftTable), "nft", "-f", "-"), "nft delete table");
        }
        String mark = "0x" + Long.toHexString(fwmark);
        String table = Integer.toString(routeTable);
        for (String family : new String[]{"-4", "-6"}) {
            deleteRules(family, mark, table);
            deleteRoute(family, table);
        }
    }

    /**
     * As {@link #down}, but with {@code router.fail_closed} the table is replaced by one holding only the forward
     * drop ({@link NftScript#renderFailClosedOnly}), so that the LAN stays cut off from the uplinks while the client
     * is stopped. Without fail_closed, the same as {@link #down}.
     *
     * @throws RouterSetupException when nft or ip refuses
     */
    public void downKeepingFailClosed(RouterPlan plan) throws RouterSetupException {
        var r = plan.router();
        if (!r.failClosed()) {
            down(r.nftTable(), r.fwmark(), r.routeTable());
            return;
        }
        must(run(NftScript.renderFailClosedOnly(plan), "nft", "-f", "-"), "nft -f (the fail-closed table)");
        String mark = plan.mark();
        String table = Integer.toString(r.routeTable());
        for (String family : new String[]{"-4", "-6"}) {
            deleteRules(family, mark, table);
            deleteRoute(family, table);
        }
    }

    /** What is installed now, one line per part; see {@link #summary} for the verdict. */
    public List<String> status(String nftTable, long fwmark, int routeTable) throws RouterSetupException {
        String mark = "0x" + Long.toHexString(fwmark);
        List<String> lines = new ArrayList<>();
        Shell.Result listed = run(null, "nft", "list", "table", "inet", nftTable);
        lines.add("nft table inet " + nftTable + ": " + (listed.ok() ? "installed" : "absent"));
        if (listed.ok()) {
            boolean divert = listed.out().contains("chain prerouting") && listed.out().contains("tproxy");
            lines.add("nft TPROXY diversion (chain prerouting): " + (divert ? "installed" : "absent"));
            lines.add("nft fail-closed drop (chain fail_closed): "
                    + (listed.out().contains("chain fail_closed") ? "installed" : "absent"));
        }
        for (String family : new String[]{"-4", "-6"}) {
            String v = "-4".equals(family) ? "IPv4" : "IPv6";
            Shell.Result rules = run(null, "ip", family, "rule", "show");
            boolean rule = rules.out().lines().anyMatch(l -> l.contains("fwmark " + mark + " lookup " + routeTable));
            Shell.Result routes = run(null, "ip", family, "route", "show", "table", Integer.toString(routeTable));
            boolean route = routes.ok() && routes.out().lines().anyMatch(l -> l.startsWith("local default dev lo"));
            lines.add(v + " rule fwmark " + mark + " lookup " + routeTable + ": " + (rule ? "installed" : "absent"));
            lines.add(v + " route local default dev lo table " + routeTable + ": " + (route ? "installed" : "absent"));
        }
        return lines;
    }

    /**
     * One line that says whether router mode is in place, from {@link #status}'s lines and what the config asks:
     * "active" (every part installed), "inactive" (nothing), "fail-closed" (only the drop: the LAN is cut off),
     * or "partial" with what is missing.
     */
    public static String summary(List<String> statusLines, boolean ipv6, boolean failClosed) {
        List<String> missing = new ArrayList<>();
        List<String> present = new ArrayList<>();
        for (String line : statusLines) {
            String part = line.substring(0, line.lastIndexOf(':'));
            boolean wanted = (ipv6 || !part.startsWith("IPv6")) && (failClosed || !part.contains("fail-closed"));
            if (line.endsWith(": installed")) {
                present.add(part);
            } else if (wanted) {
                missing.add(part);
            }
        }
        boolean onlyDrop = present.stream().allMatch(p -> p.startsWith("nft table") || p.contains("fail-closed"))
                && present.stream().anyMatch(p -> p.contains("fail-closed"));
        if (onlyDrop) {
            return "router mode: fail-closed (the LAN is cut off from the uplinks until 'router up')";
        }
        if (missing.isEmpty()) {
            return "router mode: active";
        }
        if (present.isEmpty()) {
            return "router mode: inactive";
        }
        return "router mode: partial, missing " + String.join("; ", missing) + " (run 'router up', or 'router down')";
    }

    private void deleteRules(String family, String mark, String table) throws RouterSetupException {
        for (int i = 0; i < MAX_RULE_COPIES; i++) {
            if (!run(null, "ip", family, "rule", "del", "fwmark", mark, "lookup", table).ok()) {
                return;
            }
        }
        throw new RouterSetupException("ip " + family + " rule fwmark " + mark + " lookup " + table
                + ": still present after " + MAX_RULE_COPIES + " deletions");
    }

    private void deleteRoute(String family, String table) throws RouterSetupException {
        run(null, "ip", family, "route", "del", "local", "-4".equals(family) ? "0.0.0.0/0" : "::/0", "dev", "lo",
                "table", table);
    }

    private Shell.Result run(String stdin, String... command) throws RouterSetupException {
        Shell.Result r;
        try {
            r = shell.run(stdin, List.of(command));
        } catch (IOException e) {
            throw new RouterSetupException(String.join(" ", command) + ": cannot run (is " + command[0]
                    + " installed?): " + e.getMessage());
        }
        log.add(String.join(" ", command) + (r.ok() ? "" : "  -> exit " + r.exitCode()));
        return r;
    }

    private static void must(Shell.Result r, String what) throws RouterSetupException {
        if (!r.ok()) {
            throw new RouterSetupException(what + " failed (exit " + r.exitCode() + "): " + r.err().strip());
        }
    }
}
