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
                "down removes exactly those, status shows what is installed. 'run' must be running for traffic to flow."})
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
                + ", route table " + c.router().routeTable() + (c.router().ipv6() ? ", IPv4 and IPv6" : ", IPv4 only"));
        out.flush();
        return ExitCodes.OK;
    }

    @Command(name = "down", mixinStandardHelpOptions = true, description = "Remove the router rules (whatever of them is present).")
    int down(@Option(names = "--config", paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                     description = "The client config (default ${DEFAULT-VALUE}).") Path config) throws Exception {
        ClientConfig.Router r = router(ClientConfig.load(config), config);
        try {
            new RouterSetup(shell).down(r.nftTable(), r.fwmark(), r.routeTable());
        } catch (RouterSetupException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client router down: " + e.getMessage());
        }
        spec.commandLine().getOut().println("router down: removed");
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Show which router rules are installed.")
    int status(@Option(names = "--config", paramLabel = "FILE", defaultValue = DEFAULT_CONFIG,
                       description = "The client config (default ${DEFAULT-VALUE}).") Path config) throws Exception {
        ClientConfig.Router r = router(ClientConfig.load(config), config);
        PrintWriter out = spec.commandLine().getOut();
        try {
            new RouterSetup(shell).status(r.nftTable(), r.fwmark(), r.routeTable()).forEach(out::println);
        } catch (RouterSetupException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client router status: " + e.getMessage());
        }
        out.flush();
        return ExitCodes.OK;
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
