package io.quicbond.client.cli;

import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code bond-client}: the router side of quicbond.
 * <pre>
 * bond-client run (--config FILE | --link LINK) [--socks5 HOST:PORT] [--http HOST:PORT] [--status HOST:PORT] [-v]
 * bond-client config --link LINK [--out FILE] [--force] [--socks5 HOST:PORT] [--http HOST:PORT] [--status HOST:PORT]
 * bond-client status [--config FILE | --url URL] [--json]
 * bond-client check --config FILE [--show-secrets]
 * bond-client mptcp show|apply|remove [--config FILE] [--state FILE] [--netns NAME]
 * bond-client router up|down|status [--config FILE]
 * </pre>
 * Exit codes are in {@link ExitCodes}. {@link #run} is the whole program with its output streams given, for
 * tests; only {@link #main} calls {@code System.exit}.
 */
@Command(name = "bond-client", mixinStandardHelpOptions = true, versionProvider = BondClientCommand.Version.class,
        description = "quicbond client: bonds this machine's uplinks into one QUIC session to a bond server and "
                + "offers SOCKS5, HTTP proxy and port forwards over it.",
        subcommands = {RunCommand.class, ConfigCommand.class, StatusCommand.class, CheckCommand.class, ReloadCommand.class,
                MptcpCommand.class,
                RouterCommand.class,
                CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:failure at run time", "2:wrong options", "3:invalid configuration or share link",
                "4:status: no client answers"})
public final class BondClientCommand implements Runnable {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        Charset cs = System.console() != null ? System.console().charset() : Charset.defaultCharset();
        PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, cs), true);
        PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(System.err, cs), true);
        int code = run(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line; never exits the JVM. Returns the exit code ({@link ExitCodes}). */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BondClientCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(ExitCodes::handle);
        cli.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
        cli.getCommandSpec().exitCodeOnExecutionException(ExitCodes.FAILURE);
        for (CommandLine sub : cli.getSubcommands().values()) {
            sub.getCommandSpec().exitCodeOnInvalidInput(ExitCodes.USAGE);
            sub.getCommandSpec().exitCodeOnExecutionException(ExitCodes.FAILURE);
        }
        int code = cli.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, config, status, check, reload or router");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BondClientCommand.class.getPackage().getImplementationVersion();
            return new String[] {"bond-client " + (v != null ? v : "(development build)")};
        }
    }
}
