package io.quicbond.client.router;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Runs every command inside one network namespace, so tests never touch the host's ruleset or routes. */
final class NetnsShell implements Shell {
    private final String namespace;

    NetnsShell(String namespace) {
        this.namespace = namespace;
    }

    @Override
    public Result run(String stdin, List<String> command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(command);
        return Shell.SYSTEM.run(stdin, full);
    }

    /** nft ruleset, ip rules and every routing table, both families: what router down must give back. */
    String snapshot() throws IOException {
        StringBuilder s = new StringBuilder();
        for (List<String> c : List.of(List.of("nft", "list", "ruleset"), List.of("ip", "-4", "rule", "show"),
                List.of("ip", "-6", "rule", "show"), List.of("ip", "-4", "route", "show", "table", "all"),
                List.of("ip", "-6", "route", "show", "table", "all"))) {
            Result r = run(null, c);
            s.append("$ ").append(String.join(" ", c)).append('\n').append(r.out()).append(r.err());
        }
        return s.toString();
    }
}
