package io.quicbond.server.cli;

import io.quicbond.server.BondServerApp;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.util.Objects;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bond-server}: the command line of the bond server.
 *
 * <pre>
 * bond-server init --dir DIR [--listen HOST:PORT] [--public-address HOST] [--user NAME] [--force]
 * bond-server run [--config FILE] [--log-level LEVEL]
 * bond-server user add NAME [--config FILE]
 * bond-server user list [--config FILE]
 * bond-server user remove NAME [--config FILE]
 * bond-server status [--config FILE | --url URL] [--json]
 * </pre>
 *
 * {@code --config} defaults to {@code ./server.json}. Exit codes: {@link ExitCodes}. {@link #run} is the testable
 * entry point: it never calls {@link System#exit}; {@link #main} does, with what {@link #run} returns.
 */
@Command(name = "bond-server", scope = CommandLine.ScopeType.INHERIT, mixinStandardHelpOptions = true,
        versionProvider = BondServerCommand.Version.class,
        description = "The quicbond bond server (VPS side): accepts bonded QUIC sessions and forwards their traffic.",
        subcommands = {InitCommand.class, RunCommand.class, UserCommand.class, StatusCommand.class})
public final class BondServerCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, Charset.defaultCharset());
        PrintWriter err = new PrintWriter(System.err, true, Charset.defaultCharset());
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command; {@code run} waits for SIGTERM or Ctrl-C. Returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return run(out, err, ServerLifetime.untilJvmShutdown(err), args);
    }

    /** As {@link #run(PrintWriter, PrintWriter, String...)}, with {@code run} held up by {@code lifetime}. */
    public static int run(PrintWriter out, PrintWriter err, ServerLifetime lifetime, String... args) {
        Objects.requireNonNull(lifetime, "lifetime");
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                return type == RunCommand.class ? type.cast(new RunCommand(lifetime)) : defaults.create(type);
            }
        };
        CommandLine cmd = new CommandLine(new BondServerCommand(), factory);
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setParameterExceptionHandler((e, args1) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("bond-server: " + e.getMessage());
            failed.getErr().println("Try '" + failed.getCommandSpec().qualifiedName() + " --help' for more.");
            failed.getErr().flush();
            return ExitCodes.USAGE;
        });
        cmd.setExecutionExceptionHandler((e, failed, parseResult) -> {
            PrintWriter error = failed.getErr();
            if (ExitCodes.isExpected(e)) {
                error.println("bond-server: " + e.getMessage());
            } else {
                error.println("bond-server: internal error: " + e);
                e.printStackTrace(error);
            }
            error.flush();
            return ExitCodes.of(e);
        });
        int code = cmd.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    /** {@code --version}. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[]{"bond-server " + BondServerApp.version()};
        }
    }
}
