package io.quicbond.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.server.BondServerApp;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.status.StatusReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run} in-process, held up by a test lifetime, and {@code status} asking it. */
class RunAndStatusCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** A lifetime that hands the running app to the test and waits for the test to let go. */
    private static final class TestLifetime implements ServerLifetime {
        final CompletableFuture<BondServerApp> started = new CompletableFuture<>();
        final CountDownLatch stop = new CountDownLatch(1);

        @Override
        public void await(BondServerApp app) throws InterruptedException {
            started.complete(app);
            stop.await();
        }
    }

    @Test
    void runServesUntilStoppedAndStatusReadsIt() throws Exception {
        assertEquals(0, Cli.run("init", "--dir", dir.toString(), "--listen", "127.0.0.1:4433").code());
        Path configFile = dir.resolve("server.json");
        ServerConfig config = ServerConfig.load(configFile);
        Files.writeString(configFile, config.withListen(HostPort.parse("127.0.0.1:0"))
                .withStatusListen(HostPort.parse("127.0.0.1:0"), false).toJson());

        TestLifetime lifetime = new TestLifetime();
        CompletableFuture<Cli.Result> run = CompletableFuture.supplyAsync(
                () -> Cli.run(lifetime, "run", "--config", configFile.toString()));
        BondServerApp app;
        try {
            app = lifetime.started.get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("run did not start: " + (run.isDone() ? run.join() : "still running"), e);
        }
        String url = "http://" + BondServerApp.format(app.statusAddress());

        Cli.Result json = Cli.run("status", "--url", url, "--json");
        assertEquals(0, json.code(), json.toString());
        JsonNode report = JSON.readTree(json.out());
        assertEquals("127.0.0.1:" + app.bondAddress().getPort(), report.path("listen").asText());
        assertEquals(1, report.path("users").asInt());

        Cli.Result table = Cli.run("status", "--url", url + "/");
        assertEquals(0, table.code(), table.toString());
        assertTrue(table.out().contains("bond on 127.0.0.1:" + app.bondAddress().getPort() + " (quiche, quicbond/1)"),
                table.out());
        assertTrue(table.out().contains("users 1, failed logins 0, sessions 0"), table.out());

        lifetime.stop.countDown();
        Cli.Result result = run.get(20, TimeUnit.SECONDS);
        assertEquals(0, result.code(), result.toString());
        assertTrue(result.err().matches("(?s).*\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO    BondServerApp: quicbond server .* bond on "
                + "127\\.0\\.0\\.1:\\d+ .*"), "one-line logs on stderr:\n" + result.err());
        assertTrue(result.err().contains("BondServerApp: bond server stopped"), result.err());
        Cli.Result after = Cli.run("status", "--url", url);
        assertEquals(ExitCodes.UNAVAILABLE, after.code(), "the status endpoint closed with the server");
    }

    @Test
    void statusFindsTheEndpointThroughTheConfig() throws Exception {
        Path configFile = dir.resolve("server.json");
        Files.writeString(configFile, "{\"status_listen\": \"127.0.0.1:1\"}");
        Cli.Result r = Cli.run("status", "--config", configFile.toString());
        assertEquals(ExitCodes.UNAVAILABLE, r.code(), r.toString());
        assertEquals("bond-server: no server answers at http://127.0.0.1:1 (is 'bond-server run' running, with this "
                + "status_listen?)\n", r.err());
    }

    @Test
    void theTableShowsEachUplink() {
        StatusReport report = new StatusReport("1.0", "quicbond/1", "kwik", "0.0.0.0:4433", "2025-01-01T00:00:00Z",
                3725, 2, 7, List.of(new StatusReport.Session("0123456789abcdef0123", "alice", 3, 1, 2048, List.of(
                new StatusReport.Uplink("lte0", 1, "up", 41.25, 3, 40, 0.5, 10 << 20, 1 << 20, 1_250_000, 12_500, 0, 40.1,
                        4_800_000, 645_000, 4_750_000),
                new StatusReport.Uplink("dsl", 2, "suspect", 12, 1, 11, 0, 5000, 100, 0, 0, 4096, 11, 0, 262_144,
                        0)))));
        assertEquals("""
                quicbond server 1.0, up 1h02m, bond on 0.0.0.0:4433 (kwik, quicbond/1)
                users 2, failed logins 7, sessions 1

                session 0123456789ab  user alice  flows 3 tcp, 1 udp  re-sent 2.0 KiB
                  UPLINK  STATE    RTT ms  LOSS %      DOWN    DOWN RATE       UP       UP RATE  UNACKED
                  lte0    up         41.3    0.50  10.0 MiB  10.0 Mbit/s  1.0 MiB  100.0 kbit/s      0 B
                  dsl     suspect    12.0    0.00   4.9 KiB      0 bit/s    100 B       0 bit/s  4.0 KiB

                DOWN is server to client, UP client to server.
                """, StatusCommand.render(report));
    }

    @Test
    void theTableShowsEachVlessListener() throws Exception {
        StatusReport report = new StatusReport("1.0", "quicbond/1", "kwik", "0.0.0.0:4433", "2025-01-01T00:00:00Z",
                60, 2, 0, List.of(), List.of(
                new io.quicbond.server.compat.VlessListenerStatus("0.0.0.0:16384", true, 2, 10, 1, 4096, 1 << 20)));
        String table = StatusCommand.render(report);
        assertTrue(table.contains("VLESS LISTENER"), table);
        assertTrue(table.matches("(?s).*0\\.0\\.0\\.0:16384 +mptcp +2 +10 +1 +1\\.0 MiB +4\\.0 KiB.*"), table);
        assertEquals(report, StatusReport.parse(report.toJson()));
    }
}
