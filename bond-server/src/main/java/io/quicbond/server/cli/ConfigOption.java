package io.quicbond.server.cli;

import io.quicbond.server.config.ConfigException;
import io.quicbond.server.config.ServerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, shared by the commands that read {@code server.json}. */
final class ConfigOption {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", defaultValue = "server.json",
            description = "The server configuration (default: ${DEFAULT-VALUE} in the current directory).")
    Path file;

    ServerConfig load() throws ConfigException {
        return ServerConfig.load(file);
    }

    /**
     * {@code e} with this config file as its source when it has none (errors about files the config names, such as
     * the certificate, are raised without knowing which config named them).
     */
    ConfigException attributed(ConfigException e) {
        return e.source() != null ? e : new ConfigException(file.toString(), e.field(), e.reason(), e);
    }

    /** The directory relative paths in the config are resolved against: the config file's own. */
    Path directory() {
        Path parent = file.toAbsolutePath().getParent();
        return parent != null ? parent : Path.of("").toAbsolutePath();
    }
}
