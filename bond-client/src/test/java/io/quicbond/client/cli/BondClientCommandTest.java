package io.quicbond.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.ConfigFixtures;
import io.quicbond.client.config.ShareLink;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BondClientCommandTest {
    static final String LINK = "quicbond://alice:" + ConfigFixtures.SECRET + "@bond.example.net:443?pin="
            + URLEncoder.encode(ConfigFixtures.PIN, StandardCharsets.UTF_8);

    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BondClientCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void checkPrintsTheEffectiveConfigWithSecretsRedacted(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");
        Files.writeString(file, ConfigFixtures.minimal());

        Result r = run("check", "--config", file.toString());

        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertTrue(r.out().contains("\"status_listen\" : \"127.0.0.1:7071\""), r.out());
        assertTrue(r.out().contains("\"server_name\" : \"quicbond\""), r.out());
        assertTrue(r.out().contains("\"secret\" : \"<redacted>\""), r.out());
        assertFalse(r.out().contains(ConfigFixtures.SECRET), r.out());
        assertEquals(file + ": valid: 1 uplink to bond.example.net:443, user alice\n", r.err());
    }

    @Test
    void checkWithShowSecretsPrintsAConfigThatLoadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");
        Files.writeString(file, ConfigFixtures.full());

        Result r = run("check", "--config", file.toString(), "--show-secrets");

        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(ClientConfig.load(file), ClientConfig.parse(r.out(), "out"));
    }

    @Test
    void checkReportsEveryProblemWithTheConfigExitCode(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");
        Files.writeString(file, ConfigFixtures.minimal().replace("\"wan0\"", "\"wan 0\"").replace("\"alice\"", "\"\""));

        Result r = run("check", "--config", file.toString());

        assertEquals(ExitCodes.CONFIG, r.code());
        assertEquals("", r.out());
        assertEquals(file + ": user: must be 1..255 bytes\n"
                + file + ": uplinks[0].name: must be 1..32 of A-Z a-z 0-9 . _ -, got 'wan 0'\n", r.err());
    }

    @Test
    void checkOfAMissingFileIsAConfigError(@TempDir Path dir) {
        Result r = run("check", "--config", dir.resolve("nope.json").toString());
        assertEquals(ExitCodes.CONFIG, r.code());
        assertEquals(dir.resolve("nope.json") + ": no such file\n", r.err());
    }

    @Test
    void configFromALinkGoesToStandardOutput() throws Exception {
        Result r = run("config", "--link", LINK);

        assertEquals(ExitCodes.OK, r.code(), r.err());
        assertEquals(ShareLink.parse(LINK), ClientConfig.parse(r.out(), "out"));
        assertTrue(r.out().contains("\"name\" : \"wan0\""), r.out());
    }

    @Test
    void configListenOptionsOverrideTheLinkDefaults() throws Exception {
        Result r = run("config", "--link", LINK, "--socks5", "0.0.0.0:1081", "--http", "[::1]:3128");

        assertEquals(ExitCodes.OK, r.code(), r.err());
        ClientConfig c = ClientConfig.parse(r.out(), "out");
        assertEquals(1081, c.socks5().listen().getPort());
        assertTrue(c.socks5().listen().getAddress().isAnyLocalAddress());
        assertEquals(InetAddress.getByName("::1"), c.http().listen().getAddress());
    }

    @Test
    void configWritesAPrivateFileAndWillNotOverwriteItUnasked(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");

        Result first = run("config", "--link", LINK, "--out", file.toString());
        assertEquals(ExitCodes.OK, first.code(), first.err());
        assertEquals("", first.out());
        assertTrue(first.err().startsWith("wrote " + file + " (user alice, server bond.example.net:443)"), first.err());
        assertEquals(ShareLink.parse(LINK), ClientConfig.load(file));
        if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }

        Result again = run("config", "--link", LINK, "--out", file.toString());
        assertEquals(ExitCodes.FAILURE, again.code());
        assertEquals("bond-client config: " + file + " exists; use --force to overwrite it\n", again.err());

        Files.writeString(file, "old");
        Result forced = run("config", "--link", LINK, "--out", file.toString(), "--force");
        assertEquals(ExitCodes.OK, forced.code(), forced.err());
        assertEquals(ShareLink.parse(LINK), ClientConfig.load(file));
    }

    @Test
    void aBadLinkIsAConfigErrorThatKeepsTheSecretOut() {
        Result r = run("config", "--link", LINK.replace("pin=", "pim="));
        assertEquals(ExitCodes.CONFIG, r.code());
        assertEquals("share link: unknown parameter 'pim' (known: pin, sni)\n", r.err());
        assertFalse(r.err().contains(ConfigFixtures.SECRET));
    }

    @Test
    void aBadListenOptionNamesTheCommandLine() {
        Result r = run("config", "--link", LINK, "--socks5", "localhost:1080");
        assertEquals(ExitCodes.CONFIG, r.code());
        assertEquals("command line: socks5.listen: not an IP address: 'localhost' (listen on an address, e.g."
                + " 127.0.0.1:1080 or [::1]:1080)\n", r.err());
    }

    @Test
    void statusSaysClearlyWhenNothingAnswers() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Result r = run("status", "--url", "127.0.0.1:" + port);

        assertEquals(ExitCodes.UNAVAILABLE, r.code());
        assertEquals("bond-client status: nothing answers at http://127.0.0.1:" + port + "/status (connection refused)."
                + " Is bond-client running? Its status endpoint is status_listen in client.json (default 127.0.0.1:7071).\n",
                r.err());
    }

    @Test
    void statusTakesTheAddressFromTheConfig(@TempDir Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path file = dir.resolve("client.json");
        Files.writeString(file, ConfigFixtures.minimal().replaceFirst("\\{", "{ \"status_listen\": \"127.0.0.1:" + port + "\","));
        Result r = run("status", "--config", file.toString());
        assertEquals(ExitCodes.UNAVAILABLE, r.code());
        assertTrue(r.err().contains("http://127.0.0.1:" + port + "/status"), r.err());
    }

    @Test
    void usageErrorsHaveTheUsageExitCode() {
        assertEquals(ExitCodes.USAGE, run().code());
        assertEquals(ExitCodes.USAGE, run("check").code());
        assertEquals(ExitCodes.USAGE, run("run").code());
        assertEquals(ExitCodes.USAGE, run("run", "--config", "a", "--link", "b").code());
        assertEquals(ExitCodes.USAGE, run("status", "--config", "a", "--url", "b").code());
        assertEquals(ExitCodes.USAGE, run("status", "--url", "ftp://x/").code());
        assertEquals(ExitCodes.USAGE, run("frobnicate").code());
        Result help = run("--help");
        assertEquals(ExitCodes.OK, help.code());
        assertTrue(help.out().contains("Exit codes:"), help.out());
        for (String command : new String[] {"run", "config", "status", "check"}) {
            assertTrue(help.out().contains(command), help.out());
        }
    }

    @Test
    void runStartsPrintsItsListenersAndStopsCleanly() throws Exception {
        int closedPort;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        String link = LINK.replace("bond.example.net:443", "127.0.0.1:" + closedPort);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        AtomicInteger code = new AtomicInteger(-1);
        Thread runner = Thread.ofPlatform().name("run-command").start(() -> code.set(BondClientCommand.run(
                new PrintWriter(out, true), new PrintWriter(err, true), "run", "--link", link, "--socks5", "127.0.0.1:0",
                "--http", "127.0.0.1:0", "--status", "127.0.0.1:0")));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!out.toString().contains("status on http://") && System.nanoTime() < deadline && runner.isAlive()) {
            Thread.sleep(20);
        }
        String printed = out.toString();
        assertTrue(printed.contains("status on http://127.0.0.1:"), printed + err);
        assertTrue(printed.matches("(?s).*socks5 listening on 127\\.0\\.0\\.1:[1-9][0-9]*\n.*"), printed);
        assertTrue(printed.matches("(?s).*http proxy listening on 127\\.0\\.0\\.1:[1-9][0-9]*\n.*"), printed);
        assertTrue(printed.startsWith("bond-client: user alice, session "), printed);

        runner.interrupt();
        runner.join(Duration.ofSeconds(10));
        assertFalse(runner.isAlive());
        assertEquals(ExitCodes.OK, code.get(), err::toString);
    }
}
