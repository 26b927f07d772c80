package io.quicbond.client.cli;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.ShareLink;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bond-client config}: turns a share link into a {@code client.json} (one uplink "wan0", SOCKS5 on
 * 127.0.0.1:1080, HTTP proxy on 127.0.0.1:8080, every default written out). The file holds the secret, so it is
 * created readable by its owner only (0600) where the file system has POSIX permissions.
 */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Write a client.json from a share link (to standard output without --out).")
final class ConfigCommand implements Callable<Integer> {

    @Option(names = "--link", paramLabel = "LINK", required = true,
            description = "A quicbond:// share link; '-' reads it from standard input.")
    String link;

    @Option(names = "--out", paramLabel = "FILE", description = "Write here instead of standard output.")
    Path outFile;

    @Option(names = "--force", description = "Overwrite --out if it exists.")
    boolean force;

    @Mixin
    ListenOptions listen;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ClientConfig config = listen.apply(ShareLink.parse(ConfigSource.readLink(link)));
        String json = config.toJson(true);
        if (outFile == null) {
            PrintWriter out = spec.commandLine().getOut();
            out.print(json);
            out.flush();
            return ExitCodes.OK;
        }
        try {
            write(outFile, json, force);
        } catch (FileAlreadyExistsException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client config: " + outFile
                    + " exists; use --force to overwrite it");
        } catch (IOException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client config: cannot write " + outFile + ": " + e);
        }
        spec.commandLine().getErr().println("wrote " + outFile + " (user " + config.user() + ", server "
                + config.server().address() + "); start with: bond-client run --config " + outFile);
        return ExitCodes.OK;
    }

    private static void write(Path file, String json, boolean force) throws IOException {
        boolean posix = file.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!Files.exists(file)) {
            if (posix) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } else if (!force) {
            throw new FileAlreadyExistsException(file.toString());
        } else if (posix) {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        Files.writeString(file, json, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE);
    }
}
