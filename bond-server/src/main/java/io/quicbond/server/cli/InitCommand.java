package io.quicbond.server.cli;

import io.quicbond.server.ClientInvite;
import io.quicbond.server.ServerDirectory;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.users.User;
import io.quicbond.server.users.UserLimits;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code init}: writes a working server directory (configuration, TLS identity, first user) and prints what a client
 * needs: a share link and a {@code client.json}.
 */
@Command(name = "init",
        description = {"Create server.json, a certificate and key, and users.json with a first user in DIR.",
                "Prints the user's share link and a ready client.json."})
final class InitCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where to write the files (created if missing).")
    Path dir;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = ServerConfig.DEFAULT_LISTEN,
            description = "UDP address the bond listens on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--public-address", paramLabel = "HOST",
            description = {"Host name or IP address clients connect to (HOST or HOST:PORT).",
                    "Required when --listen is a wildcard such as 0.0.0.0."})
    String publicAddress;

    @Option(names = "--user", paramLabel = "NAME", defaultValue = "admin",
            description = "Name of the first user (default: ${DEFAULT-VALUE}).")
    String user;

    @Option(names = "--force", description = "Replace an existing configuration in DIR; its certificate (clients "
            + "must be given the new pin) and its users are replaced too.")
    boolean force;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        HostPort listenAddress = parseListen();
        HostPort endpoint = publicEndpoint(listenAddress);
        try {
            new User(user, Optional.empty(), UserLimits.DEFAULTS);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--user: " + e.getMessage());
        }
        ServerConfig config = ServerConfig.defaults().withListen(listenAddress)
                .withPublicAddress(Optional.of(endpoint));
        Path directory = dir.toAbsolutePath().normalize();
        Path configFile = directory.resolve(ServerConfig.FILE_NAME);
        if (Files.exists(directory) && !Files.isDirectory(directory)) {
            throw new CliException(ExitCodes.FAILURE, directory + " exists and is not a directory");
        }
        ClientInvite invite;
        try {
            invite = ServerDirectory.create(directory, config, user, force);
        } catch (FileAlreadyExistsException e) {
            throw new CliException(ExitCodes.FAILURE, e.getFile() + " already exists; use --force to replace "
                    + "the configuration, certificate and users in " + directory);
        }
        out.println("Created a quicbond server in " + directory + ":");
        out.println("  " + ServerConfig.FILE_NAME + "   configuration: bond on " + config.listen() + " (UDP), clients "
                + "connect to " + endpoint + ", status on " + config.statusListen());
        out.println("  " + config.certificate() + "      certificate, pin " + invite.pin());
        out.println("  " + config.privateKey() + "       its private key (keep it private; mode 0600)");
        out.println("  " + config.usersFile() + "    users: " + user);
        out.println();
        out.println("Share link for " + user + " (it holds the secret, shown only this once):");
        out.println(invite.shareLink());
        out.println();
        out.println("client.json for " + user + ":");
        out.print(invite.clientJson());
        out.println();
        out.println("Start the server with: bond-server run --config " + configFile);
        out.flush();
        return ExitCodes.OK;
    }

    private HostPort parseListen() throws CliException {
        HostPort parsed;
        try {
            parsed = HostPort.parse(listen);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--listen: " + e.getMessage());
        }
        if (parsed.port() == 0) {
            throw new CliException(ExitCodes.USAGE, "--listen: give the port clients will be told, not 0");
        }
        return parsed;
    }

    private HostPort publicEndpoint(HostPort listenAddress) throws CliException {
        if (publicAddress == null) {
            if (listenAddress.isWildcard()) {
                throw new CliException(ExitCodes.USAGE, "--public-address is required when listening on every "
                        + "address (" + listenAddress + "): give the host name or IP address clients connect to");
            }
            return listenAddress;
        }
        try {
            HostPort parsed = HostPort.parseHost(publicAddress, listenAddress.port());
            if (parsed.isWildcard() || parsed.port() == 0) {
                throw new IllegalArgumentException("clients cannot connect to " + parsed);
            }
            return parsed;
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--public-address: " + e.getMessage());
        }
    }
}
