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

    /** What is installed now, one line per part. */
    public List<String> status(String nftTable, long fwmark, int routeTable) throws RouterSetupException {
        String mark = "0x" + Long.toHexString(fwmark);
        List<String> lines = new ArrayList<>();
        lines.add("nft table inet " + nftTable + ": "
                + (run(null, "nft", "list", "table", "inet", nftTable).ok() ? "installed" : "absent"));
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
