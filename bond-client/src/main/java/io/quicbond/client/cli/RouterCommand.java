package io.quicbond.client.cli;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.router.NftScript;
import io.quicbond.client.router.RouterPlan;
import io.quicbond.client.router.RouterSetup;
import io.quicbond.client.router.RouterSetupException;
import io.quicbond.client.router.Shell;
import java.io.PrintWriter;
import java.net.UnknownHostException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bond-client router up|down|status}: installs and removes the nftables table and policy routing of router
 * mode (the config's {@code router} section). Needs root; {@code up --print} only prints the nft script.
 */
@Command(name = "router", mixinStandardHelpOptions = true,
        description = {"Router mode: send the LAN's TCP and UDP (IPv4 and IPv6) into the bond with nftables TPROXY.",
                "up installs the nftables table and the policy-routing rule and route (idempotent),",
                "down removes exactly those (--keep-fail-closed: all but router.fail_closed's drop),",
                "status shows what is installed and whether the client listens. 'run' must be running for traffic to flow."})
final class RouterCommand {
    static final String DEFAULT_CONFIG = "/etc/quicbond/client.json";

    @Spec
    CommandSpec spec;

    /** Tests put a fake here; the real one runs nft and ip. */
    static volatile Shell shell = Shell.SYSTEM;

    @Command(name = "up", mixinStandardHelpOptions = true, description = "Install (or re-install) the router rules.")
    int up(@Option(names = "--config", paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                   description = "The client config (default ${DEFAULT-VALUE}).") Path config,
           @Option(names = "--print", description = "Print the nft script and change nothing.") boolean print)
            throws Exception {
        ClientConfig c = ClientConfig.load(config);
        RouterPlan plan = plan(c, config);
        PrintWriter out = spec.commandLine().getOut();
        if (print) {
            out.print(NftScript.render(plan));
            out.flush();
            return ExitCodes.OK;
        }
        RouterSetup setup = new RouterSetup(shell);
        try {
            setup.up(plan);
        } catch (RouterSetupException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client router up: " + e.getMessage()
                    + "\n(run 'bond-client router down' to remove what was applied)");
        }
        out.println("router up: LAN interfaces " + c.router().lanInterfaces() + " -> TPROXY port "
                + c.router().tproxyPort() + ", nft table inet " + c.router().nftTable() + ", fwmark " + plan.mark()
                + ", route table " + c.router().routeTable() + (c.router().ipv6() ? ", IPv4 and IPv6" : ", IPv4 only")
                + (c.router().failClosed() ? ", fail-closed" : ""));
        out.flush();
        return ExitCodes.OK;
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove the router rules (whatever of them is present).")
    int down(@Option(names = "--config", paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                     description = "The client config (default ${DEFAULT-VALUE}).") Path config,
             @Option(names = "--keep-fail-closed", description = {"With router.fail_closed: leave the LAN cut off"
                     + " from the uplinks (the services' stop uses this); without it, the same as plain down."})
             boolean keepFailClosed) throws Exception {
        ClientConfig c = ClientConfig.load(config);
        ClientConfig.Router r = router(c, config);
        boolean kept = keepFailClosed && r.failClosed();
        try {
            if (kept) {
                RouterPlan plan;
                try {
                    plan = RouterPlan.of(c);
                } catch (UnknownHostException e) {
                    // Without the servers' addresses the LAN only loses direct access to them; the drop matters more.
                    plan = RouterPlan.of(r, java.util.List.of());
                }
                new RouterSetup(shell).downKeepingFailClosed(plan);
            } else {
                new RouterSetup(shell).down(r.nftTable(), r.fwmark(), r.routeTable());
            }
        } catch (RouterSetupException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client router down: " + e.getMessage());
        }
        spec.commandLine().getOut().println(kept ? "router down: diversion removed; fail-closed drop kept (LAN cut off"
                + " from the uplinks until 'router up'; plain 'router down' removes it)" : "router down: removed");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show which router rules are installed.")
    int status(@Option(names = "--config", paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                       description = "The client config (default ${DEFAULT-VALUE}).") Path config) throws Exception {
        ClientConfig c = ClientConfig.load(config);
        ClientConfig.Router r = router(c, config);
        PrintWriter out = spec.commandLine().getOut();
        String summary;
        try {
            java.util.List<String> lines = new RouterSetup(shell).status(r.nftTable(), r.fwmark(), r.routeTable());
            summary = RouterSetup.summary(lines, r.ipv6(), r.failClosed());
            out.println(summary);
            lines.forEach(out::println);
        } catch (RouterSetupException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client router status: " + e.getMessage());
        }
        out.println("client transparent ingress: " + ingressState(c));
        out.flush();
        return summary.endsWith(": active") ? ExitCodes.OK : ExitCodes.FAILURE;
    }

    /** The running client's transparent ingress, from its status endpoint, in words. */
    static String ingressState(ClientConfig c) {
        String url = "http://" + io.quicbond.client.config.HostPort.format(c.statusListen()) + "/status";
        try (var http = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(2)).build()) {
            var response = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                    .timeout(java.time.Duration.ofSeconds(3)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            var tp = new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).path("ingress")
                    .path("transparent");
            if (!tp.isObject()) {
                return "not running (the client at " + url + " has no router ingress; restart it with this config)";
            }
            return "listening on " + tp.path("listen").asText() + " (tcp " + tp.path("tcp_open").asInt() + " open, udp "
                    + tp.path("udp_open").asInt() + " open)";
        } catch (java.io.IOException e) {
            return "not reachable at " + url + " (is 'bond-client run' running?): " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "not checked (interrupted)";
        }
    }

    private static ClientConfig.Router router(ClientConfig c, Path file) throws ExitCodes.CommandFailure {
        if (c.router() == null) {
            throw new ExitCodes.CommandFailure(ExitCodes.CONFIG, file + ": no \"router\" section (see docs/operations.md)");
        }
        return c.router();
    }

    private static RouterPlan plan(ClientConfig c, Path file) throws ExitCodes.CommandFailure {
        router(c, file);
        try {
            return RouterPlan.of(c);
        } catch (UnknownHostException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client router up: cannot resolve the server "
                    + e.getMessage() + " (its addresses must bypass the bond)");
        }
    }
}
