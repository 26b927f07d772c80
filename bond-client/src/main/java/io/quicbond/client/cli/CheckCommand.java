package io.quicbond.client.cli;

import io.quicbond.client.config.ClientConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bond-client check}: validates a config and prints it with every default filled in. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Validate a config and print the effective config (every default written out) on standard output.",
                "Secrets are shown as <redacted> unless --show-secrets is given."})
final class CheckCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", required = true, description = "The client config (client.json).")
    Path config;

    @Option(names = "--show-secrets", description = "Print the secret and the SOCKS5 password as they are.")
    boolean showSecrets;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ClientConfig c = ClientConfig.load(config);
        PrintWriter out = spec.commandLine().getOut();
        out.print(c.toJson(showSecrets));
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        if (c.transport().isVless()) {
            err.println(config + ": valid: compat mode, VLESS to " + c.transport().server());
        } else {
            err.println(config + ": valid: " + c.uplinks().size() + (c.uplinks().size() == 1 ? " uplink" : " uplinks")
                    + " to " + c.server().address() + ", user " + c.user());
        }
        return ExitCodes.OK;
    }
}
