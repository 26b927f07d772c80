package io.quicbond.client.cli;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.ConfigException;
import picocli.CommandLine.Option;

/** Options that move (or turn on) the listeners of a config; they override the file or link. */
final class ListenOptions {
    @Option(names = "--socks5", paramLabel = "HOST:PORT",
            description = "SOCKS5 listen address (turns SOCKS5 on; port 0 picks a free port).")
    String socks5;

    @Option(names = "--http", paramLabel = "HOST:PORT",
            description = "HTTP proxy listen address (turns the HTTP proxy on).")
    String http;

    @Option(names = "--status", paramLabel = "HOST:PORT",
            description = "Status endpoint listen address (loopback only).")
    String status;

    ClientConfig apply(ClientConfig config) throws ConfigException {
        ClientConfig c = config;
        if (socks5 != null) {
            c = c.withSocks5Listen(socks5);
        }
        if (http != null) {
            c = c.withHttpListen(http);
        }
        if (status != null) {
            c = c.withStatusListen(status);
        }
        return c;
    }
}
