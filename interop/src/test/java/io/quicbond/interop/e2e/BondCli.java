package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quicbond.client.cli.BondClientCommand;
import io.quicbond.server.cli.BondServerCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bond-server and bond-client commands run in-process, as a user runs them: each must exit 0 (else the test
 * fails with what it printed on stderr). Called from the test thread.
 */
final class BondCli {
    private BondCli() {
    }

    /** Runs {@code bond-server args}; returns its standard output. */
    static String server(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), args), err.toString());
        return out.toString();
    }

    /** Runs {@code bond-client args}; returns its standard output. */
    static String client(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, BondClientCommand.run(new PrintWriter(out), new PrintWriter(err), args), err.toString());
        return out.toString();
    }

    /** Runs {@code bond-server init args}; returns the share link it prints. */
    static String serverInit(String... args) {
        List<String> command = new ArrayList<>(List.of("init"));
        command.addAll(List.of(args));
        return server(command.toArray(String[]::new)).lines().filter(l -> l.trim().startsWith("quicbond://"))
                .findFirst().orElseThrow().trim();
    }

    /** Runs {@code bond-client config --link link --out clientJson more}. */
    static void clientConfig(String link, Path clientJson, String... more) {
        List<String> command = new ArrayList<>(List.of("config", "--link", link, "--out", clientJson.toString()));
        command.addAll(List.of(more));
        client(command.toArray(String[]::new));
    }
}
