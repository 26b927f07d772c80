package io.quicbond.client.cli;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.ConfigException;
import io.quicbond.client.config.ShareLink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where a command's configuration comes from: a file, or a share link. */
final class ConfigSource {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The client config (client.json).")
    Path config;

    @Option(names = "--link", paramLabel = "LINK",
            description = "A quicbond:// share link; '-' reads it from standard input (keeps the secret out of ps).")
    String link;

    ClientConfig load() throws ConfigException {
        if (config != null) {
            return ClientConfig.load(config);
        }
        return ShareLink.parse(readLink(link));
    }

    static String readLink(String link) throws ConfigException {
        if (!"-".equals(link)) {
            return link;
        }
        try {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null) {
                throw new ConfigException("share link: nothing on standard input");
            }
            return line;
        } catch (IOException e) {
            throw new ConfigException("share link: cannot read standard input: " + e.getMessage());
        }
    }
}
