package io.quicbond.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.server.config.ConfigException;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.egress.Cidr;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.engine.kwik.KwikEngine;
import io.quicbond.transport.scheduler.FlowClassifier;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.session.BondClient;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.session.UplinkSpec;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server started in-process from a config, with a real bond client logging in over loopback. */
class BondServerAppTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private ServerConfig config;
    private String aliceSecret;
    private BondServerApp app;

    @BeforeEach
    void serverDirectory() throws Exception {
        ServerIdentity.generate(List.of("quicbond", "localhost")).writeTo(dir);
        aliceSecret = UserStore.open(dir.resolve("users.json")).add("alice");
        config = ServerConfig.defaults()
                .withListen(HostPort.parse("127.0.0.1:0"))
                .withPublicAddress(Optional.empty())
                .withStatusListen(HostPort.parse("127.0.0.1:0"), false)
                .withEgress(new ServerConfig.Egress(List.of(Cidr.parse("127.0.0.0/8")), List.of(), List.of(),
                        Duration.ofSeconds(2)));
    }

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    private BondClient client(String user, String secret) {
        BondClient client = new BondClient(new KwikEngine(), user, UserStore.decodeSecret(secret),
                CertificatePin.pinningTrustManager(CertificatePin.parse(app.pin())), config.serverName(),
                BondSettings.defaults(), FlowClassifier.always(Policy.AGGREGATE));
        client.addUplink(new UplinkSpec("wan0", app.bondAddress(), null, null, true));
        return client;
    }

    private static HttpResponse<String> get(InetSocketAddress address, String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(HttpRequest.newBuilder(URI.create("http://" + BondServerApp.format(address) + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(25);
        }
    }

    @Test
    void statusAndHealthAnswerOnTheStatusAddress() throws Exception {
        app = BondServerApp.start(config, dir);
        assertTrue(app.bondAddress().getPort() > 0);
        assertTrue(app.statusAddress().getAddress().isLoopbackAddress());

        HttpResponse<String> health = get(app.statusAddress(), "/health");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());

        HttpResponse<String> status = get(app.statusAddress(), "/status");
        assertEquals(200, status.statusCode());
        assertTrue(status.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode report = JSON.readTree(status.body());
        assertEquals(BondServerApp.version(), report.path("version").asText());
        assertEquals("quicbond/1", report.path("protocol").asText());
        assertEquals("quiche", report.path("engine").asText());
        assertEquals("127.0.0.1:" + app.bondAddress().getPort(), report.path("listen").asText());
        assertEquals(1, report.path("users").asInt());
        assertEquals(0, report.path("failed_logins").asInt());
        assertTrue(report.path("uptime_s").isIntegralNumber());
        assertTrue(report.path("started_at").asText().endsWith("Z"));
        assertTrue(report.path("sessions").isArray() && report.path("sessions").isEmpty());

        assertEquals(404, get(app.statusAddress(), "/").statusCode());
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(
                            URI.create("http://" + BondServerApp.format(app.statusAddress()) + "/status"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode());
        }
    }

    @Test
    void aUserLogsInRelaysThroughEgressAndIsDisconnectedWhenRemoved() throws Exception {
        app = BondServerApp.start(config, dir);
        try (ServerSocket echo = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
             BondClient client = client("alice", aliceSecret)) {
            Thread.ofVirtual().start(() -> {
                try (Socket s = echo.accept()) {
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (Exception ignored) {
                    // the test fails on the client side
                }
            });
            assertTrue(client.awaitUplinks(1, Duration.ofSeconds(15)), "uplink up: " + client.status());

            TcpFlow flow = client.openTcp(new Destination("127.0.0.1", echo.getLocalPort()));
            byte[] data = "ping through the bond".getBytes();
            try (OutputStream out = flow.output()) {
                out.write(data);
            }
            try (InputStream in = flow.input()) {
                assertArrayEquals(data, in.readAllBytes());
            }

            JsonNode report = JSON.readTree(get(app.statusAddress(), "/status").body());
            JsonNode session = report.path("sessions").path(0);
            assertEquals("alice", session.path("user").asText());
            assertEquals("wan0", session.path("uplinks").path(0).path("name").asText());
            assertEquals("up", session.path("uplinks").path(0).path("state").asText());

            // Another process (bond-server user remove) edits the file; the watcher ends alice's session.
            assertTrue(UserStore.open(dir.resolve("users.json")).remove("alice"));
            await("alice's session is gone", () -> app.sessions().isEmpty());
            assertEquals(0, app.status().users());
        }
    }

    @Test
    void aWrongSecretIsCountedAsAFailedLogin() throws Exception {
        app = BondServerApp.start(config, dir);
        byte[] wrong = new byte[32];
        try (BondClient client = client("alice", UserStore.encodeSecret(wrong))) {
            await("the failed login is counted", () -> app.status().failedLogins() >= 1);
            assertTrue(app.sessions().isEmpty());
        }
    }

    @Test
    void aNewUserCanLogInWithoutARestart() throws Exception {
        app = BondServerApp.start(config, dir);
        String secret = UserStore.open(dir.resolve("users.json")).add("bob");
        try (BondClient client = client("bob", secret)) {
            assertTrue(client.awaitUplinks(1, Duration.ofSeconds(15)), "uplink up: " + client.status());
            assertEquals("bob", app.sessions().getFirst().user());
        }
    }

    @Test
    void aCreatedServerDirectoryStartsAndItsInviteLogsIn() throws Exception {
        Path fresh = dir.resolve("fresh");
        ServerConfig created = ServerConfig.parse(config
                .withPublicAddress(Optional.of(new HostPort("127.0.0.1", 0))).toJson()
                .replace("\"cert.pem\"", "\"tls/server.crt\"").replace("\"key.pem\"", "\"tls/server.key\""), "test");
        ClientInvite invite = ServerDirectory.create(fresh, created, "erin", false);
        assertEquals(new HostPort("127.0.0.1", 0), invite.endpoint());
        assertThrows(java.nio.file.FileAlreadyExistsException.class,
                () -> ServerDirectory.create(fresh, created, "erin", false));
        assertTrue(Files.exists(fresh.resolve("tls/server.key")));

        config = ServerConfig.load(fresh.resolve("server.json"));
        assertEquals(created, config);
        app = BondServerApp.start(config, fresh);
        assertEquals(invite.pin(), app.pin());
        ClientInvite started = invite.withEndpoint(app.publicEndpoint().orElseThrow());
        assertTrue(started.shareLink().startsWith("quicbond://erin:" + invite.secret() + "@127.0.0.1:"
                + app.bondAddress().getPort() + "?pin="), started.shareLink());
        try (BondClient client = client("erin", invite.secret())) {
            assertTrue(client.awaitUplinks(1, Duration.ofSeconds(15)), "uplink up: " + client.status());
        }
    }

    @Test
    void missingFilesAreConfigErrorsNamingTheKey() throws Exception {
        Files.delete(dir.resolve("key.pem"));
        ConfigException e = assertThrows(ConfigException.class, () -> BondServerApp.start(config, dir));
        assertEquals("private_key: " + dir.resolve("key.pem") + ": no such file (`bond-server init` makes one)",
                e.getMessage());
        Files.writeString(dir.resolve("users.json"), "[]");
        ServerIdentity.generate(List.of()).writeTo(dir);
        ConfigException users = assertThrows(ConfigException.class, () -> BondServerApp.start(config, dir));
        assertTrue(users.getMessage().startsWith("users_file: " + dir.resolve("users.json")), users.getMessage());
    }

    @Test
    void certificateAndKeyMayHaveOtherNames() throws Exception {
        String pin = ServerIdentity.load(dir).pin();
        Path tls = Files.createDirectory(dir.resolve("tls"));
        Files.move(dir.resolve("cert.pem"), tls.resolve("server.crt"));
        Files.move(dir.resolve("key.pem"), tls.resolve("server.key"));
        ServerConfig renamed = ServerConfig.parse(config.toJson()
                .replace("\"cert.pem\"", "\"tls/server.crt\"").replace("\"key.pem\"", "\"tls/server.key\""), "test");
        app = BondServerApp.start(renamed, dir);
        assertEquals(pin, app.pin());
        app.close();

        // A key that is not the certificate's is named by its real path.
        Path other = Files.createDirectory(dir.resolve("other"));
        ServerIdentity.generate(List.of()).writeTo(other);
        Files.copy(other.resolve("key.pem"), tls.resolve("server.key"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        ConfigException e = assertThrows(ConfigException.class, () -> BondServerApp.start(renamed, dir));
        assertEquals("certificate: cannot load the server identity: " + tls.resolve("server.key")
                + " does not hold the private key of the certificate in " + tls.resolve("server.crt"), e.getMessage());
    }
}
