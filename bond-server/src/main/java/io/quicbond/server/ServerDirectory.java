package io.quicbond.server;

import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.users.User;
import io.quicbond.server.users.UserLimits;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Creates a server directory, what {@code bond-server init} does without the printing: {@code server.json}, a fresh
 * TLS identity (certificate and key, at the paths the config names) and a users file holding one user. Tests and the
 * demo use it to get a server they can start with {@link BondServerApp#start}.
 */
public final class ServerDirectory {

    private ServerDirectory() {
    }

    /**
     * Writes the directory. The certificate's SubjectAltNames are the config's server name, the public host (or
     * the listen host when it is not a wildcard) and {@code localhost}.
     *
     * @param config    written as {@code dir/server.json}; its relative paths are resolved against {@code dir}
     * @param firstUser the first user's name
     * @param force     replace existing files; without it, any of them existing is an error
     * @return the first user's invite; its endpoint is the config's public address, else its listen address, and
     *         has port 0 when the config listens on port 0 (use {@link ClientInvite#withEndpoint} once started)
     * @throws FileAlreadyExistsException if a file exists and {@code force} is false; nothing is written then
     * @throws IllegalArgumentException   if {@code firstUser} is not a valid user name
     * @throws IOException                if a file cannot be written
     */
    public static ClientInvite create(Path dir, ServerConfig config, String firstUser, boolean force)
            throws IOException {
        new User(firstUser, Optional.empty(), UserLimits.DEFAULTS);
        Path directory = dir.toAbsolutePath().normalize();
        Path configFile = directory.resolve(ServerConfig.FILE_NAME);
        Path certFile = config.certificateFile(directory);
        Path keyFile = config.privateKeyFile(directory);
        Path usersFile = config.usersFilePath(directory);
        if (!force) {
            for (Path p : List.of(configFile, certFile, keyFile, usersFile)) {
                if (Files.exists(p)) {
                    throw new FileAlreadyExistsException(p.toString(), null, "already exists");
                }
            }
        }
        HostPort endpoint = config.publicAddress().orElse(config.listen());
        Set<String> names = new LinkedHashSet<>(List.of(config.serverName()));
        if (!endpoint.isWildcard()) {
            names.add(endpoint.host());
        }
        names.add("localhost");
        ServerIdentity identity = ServerIdentity.generate(List.copyOf(names));
        writeIdentity(identity, directory, certFile, keyFile);
        Files.deleteIfExists(usersFile);
        String secret = UserStore.open(usersFile).add(firstUser);
        writeAtomically(configFile, config.toJson());
        return new ClientInvite(firstUser, secret, endpoint, identity.pin(), config.serverName());
    }

    /** {@link ServerIdentity#writeTo} writes fixed names into one directory; other paths get the files moved there. */
    private static void writeIdentity(ServerIdentity identity, Path directory, Path certFile, Path keyFile)
            throws IOException {
        Path certDir = certFile.getParent();
        if (certFile.getFileName().toString().equals(ServerIdentity.CERT_FILE)
                && keyFile.getFileName().toString().equals(ServerIdentity.KEY_FILE)
                && certDir.equals(keyFile.getParent())) {
            identity.writeTo(certDir);
            return;
        }
        Files.createDirectories(directory);
        Path staging = Files.createTempDirectory(directory, ".identity");
        try {
            identity.writeTo(staging);
            Files.createDirectories(certDir);
            Files.createDirectories(keyFile.getParent());
            Files.move(staging.resolve(ServerIdentity.KEY_FILE), keyFile, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staging.resolve(ServerIdentity.CERT_FILE), certFile, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(staging.resolve(ServerIdentity.KEY_FILE));
            Files.deleteIfExists(staging.resolve(ServerIdentity.CERT_FILE));
            Files.deleteIfExists(staging);
        }
    }

    private static void writeAtomically(Path target, String content) throws IOException {
        Path temp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            Files.writeString(temp, content, StandardCharsets.UTF_8);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
