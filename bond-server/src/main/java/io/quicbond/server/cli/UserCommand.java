package io.quicbond.server.cli;

import io.quicbond.server.BondServerApp;
import io.quicbond.server.ClientInvite;
import io.quicbond.server.config.ConfigException;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.users.User;
import io.quicbond.server.users.UserLimits;
import io.quicbond.server.users.UserStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code user add|list|remove}: edits the users file named by the configuration. A running server picks the change
 * up within a second or two and ends the sessions of removed users.
 */
@Command(name = "user", description = "Add, list or remove users.",
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Remove.class,
                UserCommand.Vless.class})
final class UserCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return ExitCodes.USAGE;
    }

    private static UserStore open(ConfigOption option, ServerConfig config) throws CliException {
        try {
            return UserStore.open(config.usersFilePath(option.directory()));
        } catch (IOException e) {
            throw new CliException(ExitCodes.CONFIG, e.getMessage(), e);
        }
    }

    @Command(name = "add",
            description = "Add a user with a new secret; prints the secret, a share link and a client.json.")
    static final class Add implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "NAME", description = "1..64 letters, digits, '.', '_' or '-'.")
        String name;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ServerConfig loaded = config.load();
            UserStore store = open(config, loaded);
            try {
                new User(name, Optional.empty(), UserLimits.DEFAULTS);
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCodes.USAGE, e.getMessage());
            }
            if (store.get(name).isPresent()) {
                throw new CliException(ExitCodes.FAILURE, "user '" + name + "' already exists");
            }
            String pin;
            try {
                pin = BondServerApp.loadIdentity(loaded.certificateFile(config.directory()),
                        loaded.privateKeyFile(config.directory())).pin();
            } catch (ConfigException e) {
                throw config.attributed(e);
            }
            String secret = store.add(name);
            out.println("Added user " + name + ". Their secret (shown only this once): " + secret);
            Optional<HostPort> endpoint = loaded.publicAddress().filter(p -> p.port() != 0);
            if (endpoint.isEmpty()) {
                out.println("No share link: set public_address in " + config.file
                        + " (the host name or IP address clients connect to).");
                return ExitCodes.OK;
            }
            ClientInvite invite = new ClientInvite(name, secret, endpoint.get(), pin, loaded.serverName());
            out.println();
            out.println("Share link:");
            out.println(invite.shareLink());
            out.println();
            out.println("client.json:");
            out.print(invite.clientJson());
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List users and their limits.")
    static final class ListUsers implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            UserStore store = open(config, config.load());
            if (store.list().isEmpty()) {
                out.println("No users in " + store.file() + ". Add one with: bond-server user add NAME");
                return ExitCodes.OK;
            }
            TextTable table = new TextTable("NAME", "VLESS UUID", ">SESSIONS", ">FLOWS/SESSION", ">RATE LIMIT");
            for (User u : store.list()) {
                UserLimits l = u.limits();
                table.row(u.name(), u.vlessUuid().map(UUID::toString).orElse("-"), l.maxSessions(),
                        l.maxFlowsPerSession(), l.isRateLimited() ? TextTable.rate(l.rateLimitBitsPerSecond() / 8.0)
                                : "unlimited");
            }
            out.print(table.render(""));
            return ExitCodes.OK;
        }
    }

    @Command(name = "remove",
            description = "Remove a user: their secret stops working at once, and a running server ends their "
                    + "sessions within a second or two.")
    static final class Remove implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() throws Exception {
            UserStore store = open(config, config.load());
            if (!store.remove(name)) {
                throw new CliException(ExitCodes.FAILURE, "no user '" + name + "' in " + store.file());
            }
            spec.commandLine().getOut().println("Removed user " + name + ".");
            return ExitCodes.OK;
        }
    }

    @Command(name = "vless", description = "Give a user a VLESS UUID for compat mode (a new random one, or --uuid"
            + " to keep the one their BSBF/xray router already uses), or take it away with --off.")
    static final class Vless implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ConfigOption config;

        @Parameters(paramLabel = "NAME")
        String name;

        @picocli.CommandLine.Option(names = "--uuid", paramLabel = "UUID", description = "Use this UUID.")
        String uuid;

        @picocli.CommandLine.Option(names = "--off", description = "Remove the user's VLESS UUID.")
        boolean off;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            UserStore store = open(config, config.load());
            try {
                if (off) {
                    store.disableVless(name);
                    out.println("User " + name + " has no VLESS UUID any more.");
                } else if (uuid != null) {
                    UUID parsed;
                    try {
                        parsed = UUID.fromString(uuid);
                    } catch (IllegalArgumentException e) {
                        throw new CliException(ExitCodes.USAGE, "--uuid: not a UUID: " + uuid);
                    }
                    store.setVlessUuid(name, parsed);
                    out.println("User " + name + " has VLESS UUID " + parsed);
                } else {
                    out.println("User " + name + " has VLESS UUID " + store.enableVless(name));
                }
            } catch (IllegalArgumentException e) {
                throw new CliException(ExitCodes.FAILURE, e.getMessage());
            }
            return ExitCodes.OK;
        }
    }
}
