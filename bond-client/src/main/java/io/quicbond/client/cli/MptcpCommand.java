package io.quicbond.client.cli;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.mptcp.MptcpSetup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bond-client mptcp show|apply|remove}: the kernel's MPTCP settings for the configured uplinks (compat mode;
 * see {@link MptcpSetup}). {@code show} prints what {@code apply} would run and the kernel's current settings;
 * {@code apply} runs it (root); {@code remove} undoes exactly what {@code apply} did.
 */
@Command(name = "mptcp", mixinStandardHelpOptions = true,
        description = {"Show, apply or remove the kernel's MPTCP limits and one subflow endpoint per uplink interface.",
                "apply records what it changed in the state file; remove undoes exactly that."})
final class MptcpCommand implements Callable<Integer> {

    @Parameters(paramLabel = "ACTION", description = "show, apply or remove")
    String action;

    @Option(names = "--config", paramLabel = "FILE", description = "The client config (client.json); needed by show"
            + " and apply.")
    Path config;

    @Option(names = "--state", paramLabel = "FILE", description = "Where apply records its changes (default"
            + " /run/quicbond/mptcp-state.json).")
    Path state = MptcpSetup.DEFAULT_STATE;

    @Option(names = "--netns", paramLabel = "NAME", description = "Run the ip commands in this network namespace.")
    String netns;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        MptcpSetup setup = new MptcpSetup(MptcpSetup.Runner.ip(netns), state);
        switch (action) {
            case "show" -> {
                if (config != null) {
                    MptcpSetup.Plan plan = setup.plan(ClientConfig.load(config));
                    out.println("# what `bond-client mptcp apply` runs for " + config + ":");
                    plan.commands().forEach(out::println);
                    plan.warnings().forEach(w -> out.println("# " + w));
                }
                out.println("# the kernel now:");
                out.print(setup.show());
            }
            case "apply" -> {
                if (config == null) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "mptcp apply needs --config");
                }
                MptcpSetup.Plan plan = setup.plan(ClientConfig.load(config));
                plan.warnings().forEach(w -> spec.commandLine().getErr().println("bond-client: " + w));
                setup.apply(plan).forEach(out::println);
            }
            case "remove" -> setup.remove().forEach(out::println);
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(), "unknown action '" + action + "': show, apply or remove");
        }
        out.flush();
        return ExitCodes.OK;
    }
}
