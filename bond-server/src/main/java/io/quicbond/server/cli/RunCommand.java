package io.quicbond.server.cli;

import io.quicbond.server.BondServerApp;
import io.quicbond.server.config.ConfigException;
import io.quicbond.server.config.ServerConfig;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code run}: starts the server from its configuration and keeps it up until SIGTERM or Ctrl-C (or, in-process,
 * until its {@link ServerLifetime} says so). Logs go to stderr, one line each.
 */
@Command(name = "run",
        description = {"Run the server until SIGTERM or Ctrl-C.",
                "Users added or removed with 'bond-server user' take effect within a second or two."})
final class RunCommand implements Callable<Integer> {

    private final ServerLifetime lifetime;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOption config;

    @Option(names = "--log-level", paramLabel = "LEVEL", defaultValue = "INFO",
            description = "SEVERE, WARNING, INFO (default), FINE or FINER.")
    String logLevel;

    RunCommand(ServerLifetime lifetime) {
        this.lifetime = Objects.requireNonNull(lifetime, "lifetime");
    }

    @Override
    public Integer call() throws Exception {
        Level level;
        try {
            level = Level.parse(logLevel.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--log-level: expected SEVERE, WARNING, INFO, FINE or FINER, got '"
                    + logLevel + "'");
        }
        ServerConfig loaded = config.load();
        PrintWriter err = spec.commandLine().getErr();
        try (ConsoleLog ignored = ConsoleLog.install(err, level);
             BondServerApp app = BondServerApp.start(loaded, config.directory())) {
            lifetime.await(app);
        } catch (ConfigException e) {
            throw config.attributed(e);
        }
        return ExitCodes.OK;
    }
}
