package io.quicbond.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quicbond.client.cli.BondClientCommand;
import io.quicbond.client.cli.ExitCodes;
import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.ConfigFixtures;
import io.quicbond.client.config.HostPort;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.DatagramSocket;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The app wired from a config, against a server address where nothing answers: every listener comes up, the
 * uplinks stay "connecting", and the status endpoint says so. End-to-end tests through a real server are in the
 * interop module.
 */
class BondClientAppTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private BondClientApp app;

    /** A loopback UDP port with nothing bound to it. */
    static int closedUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static ClientConfig unreachableConfig() throws Exception {
        return ClientConfig.parse("""
                {
                  "server": { "address": "127.0.0.1:%d", "pin": "%s" },
                  "user": "alice",
                  "secret": "%s",
                  "uplinks": [ { "name": "lte0" }, { "name": "dsl0", "primary": false } ],
                  "socks5": { "listen": "127.0.0.1:0" },
                  "http": { "listen": "127.0.0.1:0" },
                  "forwards": [ { "protocol": "tcp", "listen": "127.0.0.1:0", "to": "example.com:80" },
                                { "protocol": "udp", "listen": "127.0.0.1:0", "to": "192.0.2.53:53" } ],
                  "status_listen": "127.0.0.1:0"
                }
                """.formatted(closedUdpPort(), ConfigFixtures.PIN, ConfigFixtures.SECRET), "test.json");
    }

    @BeforeEach
    void start() throws Exception {
        app = BondClientApp.start(unreachableConfig());
    }

    @AfterEach
    void stop() {
        app.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + HostPort.format(app.statusAddress()) + path))
                    .timeout(Duration.ofSeconds(5));
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    @Test
    void statusShowsConfiguredUplinksConnectingAndWhereIngressesListen() throws Exception {
        HttpResponse<String> response = get("/status");
        assertEquals(200, response.statusCode());
        assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
        JsonNode doc = JSON.readTree(response.body());

        List<String> names = new ArrayList<>();
        for (JsonNode u : doc.path("configured")) {
            names.add(u.path("name").asText());
            assertEquals("connecting", u.path("state").asText(), u.toString());
            assertEquals(0, u.path("connects").asInt());
        }
        assertEquals(List.of("dsl0", "lte0"), names.stream().sorted().toList());
        assertEquals(app.transport().sessionId(), doc.path("session").path("session_id").asText());
        assertEquals("alice", doc.path("session").path("user").asText());
        assertEquals(0, doc.path("session").path("uplinks").size());
        assertEquals(0, doc.path("session").path("tcp_flows").asInt());

        JsonNode ingress = doc.path("ingress");
        assertEquals(HostPort.format(app.socks5Address()), ingress.path("socks5").asText());
        assertEquals(HostPort.format(app.httpAddress()), ingress.path("http").asText());
        assertEquals(HostPort.format(app.statusAddress()), ingress.path("status").asText());
        assertEquals(2, ingress.path("forwards").size());
        assertEquals("tcp", ingress.path("forwards").get(0).path("protocol").asText());
        assertEquals(HostPort.format(app.forwardAddresses().get(0)), ingress.path("forwards").get(0).path("listen").asText());
        assertEquals("example.com:80", ingress.path("forwards").get(0).path("to").asText());
        assertEquals("udp", ingress.path("forwards").get(1).path("protocol").asText());
    }

    @Test
    void everyListenerGotARealPort() {
        assertNotEquals(0, app.socks5Address().getPort());
        assertNotEquals(0, app.httpAddress().getPort());
        assertNotEquals(0, app.statusAddress().getPort());
        assertEquals(2, app.forwardAddresses().size());
        app.forwardAddresses().forEach(a -> assertNotEquals(0, a.getPort()));
    }

    @Test
    void healthIsUnavailableWhileNoUplinkIsUp() throws Exception {
        HttpResponse<String> response = get("/health");
        assertEquals(503, response.statusCode());
        JsonNode health = JSON.readTree(response.body());
        assertEquals(false, health.path("healthy").asBoolean());
        assertEquals(0, health.path("uplinks_up").asInt());
        assertEquals(2, health.path("uplinks_configured").asInt());
    }

    @Test
    void otherPathsMethodsAndHostsAreRefused() throws Exception {
        assertEquals(404, get("/").statusCode());
        URI status = URI.create("http://" + HostPort.format(app.statusAddress()) + "/status");
        HttpURLConnection post = (HttpURLConnection) status.toURL().openConnection();
        post.setRequestMethod("POST");
        assertEquals(405, post.getResponseCode());
        post.disconnect();
        // A page that rebinds its own name to 127.0.0.1 still sends its own name as Host.
        try (Socket s = new Socket()) {
            s.connect(app.statusAddress(), 5000);
            s.getOutputStream().write("GET /status HTTP/1.1\r\nHost: evil.example:7071\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        }
    }

    @Test
    void socks5PortAnswersAGreeting() throws Exception {
        try (Socket s = new Socket()) {
            s.connect(app.socks5Address(), 5000);
            s.setSoTimeout(5000);
            // RFC 1928 §3: VER 5, one method, 0x00 (no authentication).
            s.getOutputStream().write(new byte[] {5, 1, 0});
            InputStream in = s.getInputStream();
            assertArrayEquals(new byte[] {5, 0}, in.readNBytes(2));
        }
    }

    @Test
    void aReloadRetunesChangedTuningAndDropsDisabledUplinks() throws Exception {
        String json = app.config().toJson(true);
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("uplinks").get(0)).put("weight", 3).put("max_up_mbit", 5);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("uplinks").get(1)).put("enabled", false);
        String changed = JSON.writeValueAsString(doc);
        assertNotEquals(json, changed, "the test edits the written config");
        BondClientApp.ReloadResult r = app.reloadUplinks(ClientConfig.parse(changed, "test.json"));
        assertNull(r.error());
        assertEquals(List.of("lte0"), r.retuned(), "weight and cap change without a reconnect");
        assertEquals(List.of("dsl0"), r.removed(), "disabled");
        assertEquals(List.of(), r.restarted());
        List<String> configured = new ArrayList<>();
        app.status().configured().forEach(u -> configured.add(u.name()));
        assertEquals(List.of("lte0"), configured);

        BondClientApp.ReloadResult back = app.reloadUplinks(ClientConfig.parse(json, "test.json"));
        assertEquals(List.of("dsl0"), back.added(), "enabled again");
        assertEquals(List.of("lte0"), back.retuned());
    }

    @Test
    void aReloadThatChangesTheUdpPayloadSizeReconnectsThatUplink() throws Exception {
        String json = app.config().toJson(true);
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(json);
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.get("uplinks").get(1)).put("max_udp_payload", 1472);
        BondClientApp.ReloadResult r = app.reloadUplinks(ClientConfig.parse(JSON.writeValueAsString(doc), "test.json"));
        assertNull(r.error());
        assertEquals(List.of("dsl0"), r.restarted(), "a new packet size needs a new connection");
        assertEquals(List.of(), r.retuned());
        assertEquals(List.of(), r.removed());
    }

    @Test
    void uplinksDoNotComeUp() throws Exception {
        assertEquals(false, app.awaitUplinks(1, Duration.ofMillis(300)));
        assertEquals(2, app.status().configured().size());
    }

    @Test
    void statusCommandPrintsATableAndRawJson() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String url = "http://" + HostPort.format(app.statusAddress());
        assertEquals(ExitCodes.OK, BondClientCommand.run(new PrintWriter(out), new PrintWriter(err), "status", "--url", url),
                err::toString);
        String table = out.toString();
        assertTrue(table.contains("session " + app.transport().sessionId()), table);
        assertTrue(table.matches("(?s).*\\nlte0 +connecting .*"), table);
        assertTrue(table.matches("(?s).*\\ndsl0 +connecting .*"), table);
        assertTrue(table.contains("socks5 " + HostPort.format(app.socks5Address())), table);

        StringWriter json = new StringWriter();
        assertEquals(ExitCodes.OK, BondClientCommand.run(new PrintWriter(json), new PrintWriter(err), "status", "--url",
                url + "/status", "--json"));
        assertTrue(json.toString().contains("\"configured\""), json.toString());
    }

    @Test
    void closeStopsEveryListener() throws Exception {
        InetSocketAddress socks5 = app.socks5Address();
        InetSocketAddress status = app.statusAddress();
        app.close();
        app.close();
        for (InetSocketAddress a : List.of(socks5, status)) {
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(a, 2000), a.toString());
            }
        }
    }

    @Test
    void aPortInUseFailsTheStartAndLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int free;
            try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                free = probe.getLocalPort();
            }
            ClientConfig clash = unreachableConfig().withSocks5Listen("127.0.0.1:" + free)
                    .withHttpListen("127.0.0.1:" + taken.getLocalPort());
            IOException e = assertThrows(IOException.class, () -> BondClientApp.start(clash));
            assertTrue(e.getMessage().contains(String.valueOf(taken.getLocalPort())), e.getMessage());
            // The SOCKS5 listener, bound before the clash, is closed again.
            try (Socket s = new Socket()) {
                assertThrows(ConnectException.class, () -> s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), free), 2000));
            }
        }
    }

    @Test
    void offIngressesHaveNoAddress() throws Exception {
        ClientConfig onlyForward = ClientConfig.parse("""
                { "server": { "address": "127.0.0.1:%d", "pin": "%s" }, "user": "alice", "secret": "%s",
                  "uplinks": [ { "name": "wan0" } ], "status_listen": "127.0.0.1:0",
                  "forwards": [ { "protocol": "udp", "listen": "127.0.0.1:0", "to": "192.0.2.53:53" } ] }
                """.formatted(closedUdpPort(), ConfigFixtures.PIN, ConfigFixtures.SECRET), "test.json");
        try (BondClientApp other = BondClientApp.start(onlyForward)) {
            assertNull(other.socks5Address());
            assertNull(other.httpAddress());
            assertEquals(1, other.forwardAddresses().size());
        }
    }

    @Test
    void reloadInVlessModeSendsNewFlowsToTheNewServerAndNamesWhatNeedsARestart() throws Exception {
        String json = """
                {"transport": {"type": "vless", "server": "192.0.2.1:16384",
                               "uuid": "b831381d-6324-4d53-ad4f-8cda48b30811"},
                 "socks5": {"listen": "127.0.0.1:0"}, "status_listen": "127.0.0.1:0"}""";
        ClientConfig fresh = ClientConfig.parse(json.replace("192.0.2.1:16384", "192.0.2.2:16385")
                .replace("b831381d-6324-4d53-ad4f-8cda48b30811", "0b6c4f0e-1111-4222-8333-944445555666")
                .replace("\"status_listen\"", "\"http\": {\"listen\": \"127.0.0.1:0\"}, \"status_listen\""), "fresh.json");
        try (BondClientApp vlessApp = BondClientApp.start(ClientConfig.parse(json, "client.json"))) {
            vlessApp.setConfigReader(() -> fresh);
            HttpResponse<String> r;
            try (HttpClient http = HttpClient.newHttpClient()) {
                r = http.send(HttpRequest.newBuilder(URI.create("http://" + HostPort.format(vlessApp.statusAddress())
                        + "/reload")).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            }
            JsonNode result = JsonMapper.builder().build().readTree(r.body());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(result.path("error").isNull(), r.body());
            assertEquals("transport.server 192.0.2.1:16384 -> 192.0.2.2:16385", result.path("applied").get(0).asText(), r.body());
            assertEquals("transport.uuid", result.path("applied").get(1).asText(), r.body());
            assertEquals("http", result.path("restart_needed_for").get(0).asText(), r.body());
            assertEquals("192.0.2.2:16385", vlessApp.status().vless().server());
            assertEquals(java.util.UUID.fromString("0b6c4f0e-1111-4222-8333-944445555666"),
                    vlessApp.vlessTransport().target().user());
        }
    }
}
