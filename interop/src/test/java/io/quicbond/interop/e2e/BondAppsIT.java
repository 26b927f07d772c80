package io.quicbond.interop.e2e;

import static io.quicbond.interop.e2e.LoopbackPeers.freeTcpPort;
import static io.quicbond.interop.e2e.LoopbackPeers.freeUdpPort;
import static io.quicbond.interop.e2e.LoopbackPeers.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.quicbond.client.BondClientApp;
import io.quicbond.client.config.ClientConfig;
import io.quicbond.interop.emulator.EmulatedLinks;
import io.quicbond.server.BondServerApp;
import io.quicbond.server.config.ServerConfig;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import io.quicbond.interop.matrix.MatrixCell;
import io.quicbond.interop.matrix.MatrixRecorder;

/**
 * The whole product on loopback, as a user runs it: `bond-server init` writes the server's directory, `bond-client
 * config --link` turns the share link into a client config, both apps run in-process on real sockets and real
 * kwik, every uplink goes through a link emulator relay, and real clients (curl, iperf3) use the SOCKS5 proxy,
 * the HTTP proxy and port forwards.
 */
@Timeout(120)
@ExtendWith(MatrixRecorder.class)
class BondAppsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BIG = 50_000_000;
    private static Path dir;
    private static HttpServer web;
    private static byte[] bigFile;
    private static DatagramSocket udpEcho;
    private static EmulatedLinks links;
    private static BondServerApp server;
    private static BondClientApp client;
    private static String shareLink;
    private static int forwardTcpPort;

    @BeforeAll
    static void startTheBond() throws Exception {
        dir = Files.createTempDirectory("quicbond-it");
        int serverPort = freeUdpPort();
        shareLink = BondCli.serverInit("--dir", dir.toString(), "--listen", "127.0.0.1:" + serverPort,
                "--public-address", "127.0.0.1", "--user", "alice");

        // The VPS operator lets the bond reach this machine's own services (denied by default).
        Path serverJson = dir.resolve("server.json");
        ObjectNode serverConfig = (ObjectNode) JSON.readTree(serverJson.toFile());
        serverConfig.putObject("egress").putArray("allow").add("127.0.0.0/8");
        serverConfig.put("status_listen", "127.0.0.1:0");
        JSON.writeValue(serverJson.toFile(), serverConfig);
        server = BondServerApp.start(ServerConfig.load(serverJson), dir);

        bigFile = new byte[BIG];
        new Random(5).nextBytes(bigFile);
        web = LoopbackPeers.webServing(bigFile);
        web.createContext("/hello", x -> {
            byte[] hello = "hello through the bond\n".getBytes();
            x.sendResponseHeaders(200, hello.length);
            try (OutputStream body = x.getResponseBody()) {
                body.write(hello);
            }
        });
        udpEcho = LoopbackPeers.udpEcho();

        // Three uplinks, each through its own emulated link (unshaped here: this test is about correctness).
        links = EmulatedLinks.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort),
                "lte=unlimited,dsl=unlimited,sat=unlimited");
        Path clientJson = dir.resolve("client.json");
        BondCli.clientConfig(shareLink, clientJson);
        ObjectNode clientConfig = (ObjectNode) JSON.readTree(clientJson.toFile());
        ArrayNode uplinks = clientConfig.putArray("uplinks");
        for (String name : new String[]{"lte", "dsl", "sat"}) {
            InetSocketAddress relay = links.get(name).localAddress();
            uplinks.addObject().put("name", name).put("server", "127.0.0.1:" + relay.getPort());
        }
        clientConfig.putObject("socks5").put("listen", "127.0.0.1:0");
        clientConfig.putObject("http").put("listen", "127.0.0.1:0");
        clientConfig.put("status_listen", "127.0.0.1:0");
        forwardTcpPort = freeTcpPort();
        ArrayNode forwards = clientConfig.putArray("forwards");
        forwards.addObject().put("protocol", "udp").put("listen", "127.0.0.1:0")
                .put("to", "127.0.0.1:" + udpEcho.getLocalPort());
        forwards.addObject().put("protocol", "tcp").put("listen", "127.0.0.1:0")
                .put("to", "127.0.0.1:" + web.getAddress().getPort());
        JSON.writeValue(clientJson.toFile(), clientConfig);
        client = BondClientApp.start(ClientConfig.load(clientJson));
        assertTrue(client.awaitUplinks(3, Duration.ofSeconds(30)), "three uplinks up");
    }

    @AfterAll
    static void stopTheBond() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (links != null) {
            links.close();
        }
        if (web != null) {
            web.stop(0);
        }
        if (udpEcho != null) {
            udpEcho.close();
        }
    }

    private static String socks() {
        return "127.0.0.1:" + client.socks5Address().getPort();
    }

    private static String httpProxy() {
        return "http://127.0.0.1:" + client.httpAddress().getPort();
    }

    private static String url(String path) {
        return "http://localhost:" + web.getAddress().getPort() + path;
    }

    @MatrixCell(peer = "curl", scenario = "SOCKS5 with remote DNS")
    @Test
    void curlThroughSocks5WithRemoteDnsGetsThePage() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        Processes.Result r = Processes.run(30, "/usr/bin/curl", "-sS", "--max-time", "20", "--socks5-hostname", socks(), url("/hello"));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("hello through the bond\n", r.outText());
    }

    @MatrixCell(peer = "curl", scenario = "HTTP proxy (absolute form, CONNECT)")
    @Test
    void curlThroughTheHttpProxyAbsoluteFormAndConnect() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        Processes.Result plain = Processes.run(30, "/usr/bin/curl", "-sS", "--max-time", "20", "-x", httpProxy(), url("/hello"));
        assertEquals(0, plain.exitCode(), plain.err());
        assertEquals("hello through the bond\n", plain.outText());
        Processes.Result tunnel = Processes.run(30, "/usr/bin/curl", "-sS", "--max-time", "20", "-p", "-x", httpProxy(), url("/hello"));
        assertEquals(0, tunnel.exitCode(), tunnel.err());
        assertEquals("hello through the bond\n", tunnel.outText());
    }

    @MatrixCell(peer = "curl", scenario = "50 MB download, uplink cut midway")
    @Test
    void fiftyMegabyteDownloadSurvivesAnUplinkCutMidway() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        Thread cutter = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(700);
                links.get("lte").cut();
                Thread.sleep(2000);
                links.get("lte").restore();
            } catch (InterruptedException ignored) {
                // test over
            }
        });
        Processes.Result r = Processes.run(110, "/usr/bin/curl", "-sS", "--max-time", "100", "--socks5-hostname", socks(), url("/big"));
        cutter.join();
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(BIG, r.out().length);
        assertArrayEquals(sha256(bigFile), sha256(r.out()), "every byte, in order, despite the cut");
        MatrixRecorder.figure("50 MB, SHA-256 equal");
    }

    @MatrixCell(peer = "java UDP echo", scenario = "SOCKS5 UDP ASSOCIATE")
    @Test
    void udpEchoThroughSocks5UdpAssociate() throws Exception {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             Socks5UdpAssociation association = Socks5UdpAssociation.open(client.socks5Address().getPort(),
                     udp.getLocalPort())) {
            udp.setSoTimeout(10_000);
            for (int i = 0; i < 5; i++) {
                byte[] payload = ("ping " + i).getBytes();
                byte[] datagram = Socks5UdpAssociation.toLoopback(udpEcho.getLocalPort(), payload);
                udp.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(),
                        association.relayPort()));
                DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
                udp.receive(back);
                assertArrayEquals(payload, Socks5UdpAssociation.payloadOf(back));
            }
        }
    }

    @MatrixCell(peer = "java UDP echo", scenario = "UDP port forward")
    @Test
    void udpEchoThroughAPortForward() throws Exception {
        InetSocketAddress forward = client.forwardAddresses().get(0);
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            LoopbackPeers.assertUdpEchoes(udp, forward, 10, 1000, 4000);
        }
    }

    @MatrixCell(peer = "java HTTP server", scenario = "TCP port forward")
    @Test
    void tcpPortForwardCarriesAPlainHttpRequest() throws Exception {
        InetSocketAddress forward = client.forwardAddresses().get(1);
        try (Socket s = new Socket(forward.getAddress(), forward.getPort())) {
            s.getOutputStream().write(("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes());
            String response = new String(s.getInputStream().readAllBytes());
            assertTrue(response.endsWith("hello through the bond\n"), response);
        }
    }

    @Test
    void statusEndpointsShowTheSessionOnBothEnds() throws Exception {
        // Another test may just have cut an uplink; give it time to come back.
        assertTrue(client.awaitUplinks(3, Duration.ofSeconds(30)), "three uplinks up");
        HttpClient http = HttpClient.newHttpClient();
        JsonNode c = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + client.statusAddress().getPort() + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(3, c.path("session").path("uplinks").size(), c.toString());
        // Other tests' clients may have sessions here too (kept for session_grace after they close): find ours. The
        // server learns of a reconnected uplink a moment after the client does, so give it that moment.
        JsonNode s = null;
        JsonNode ours = null;
        long deadline = System.nanoTime() + 15_000_000_000L;
        do {
            s = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + server.statusAddress().getPort() + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body());
            ours = null;
            for (JsonNode session : s.path("sessions")) {
                if (session.path("id").asText().equals(client.transport().sessionId())) {
                    ours = session;
                }
            }
            if (ours != null && ours.path("uplinks").size() == 3) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        assertNotNull(ours, s.toString());
        assertEquals("alice", ours.path("user").asText(), s.toString());
        assertEquals(3, ours.path("uplinks").size(), s.toString());
    }

    @MatrixCell(peer = "curl", scenario = "egress policy denies loopback")
    @Test
    void egressToLoopbackIsDeniedByDefaultAndTheApplicationIsTold() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        // A second server with the default egress policy, and a client for it.
        Path dir2 = Files.createTempDirectory("quicbond-it-deny");
        int port = freeUdpPort();
        String link = BondCli.serverInit("--dir", dir2.toString(), "--listen", "127.0.0.1:" + port,
                "--public-address", "127.0.0.1");
        Path serverJson = dir2.resolve("server.json");
        ObjectNode sc = (ObjectNode) JSON.readTree(serverJson.toFile());
        sc.put("status_listen", "127.0.0.1:0");
        JSON.writeValue(serverJson.toFile(), sc);
        Path clientJson = dir2.resolve("client.json");
        BondCli.clientConfig(link, clientJson, "--socks5", "127.0.0.1:0", "--http", "127.0.0.1:0",
                "--status", "127.0.0.1:0");
        try (BondServerApp denyingServer = BondServerApp.start(ServerConfig.load(serverJson), dir2);
             BondClientApp client2 = BondClientApp.start(ClientConfig.load(clientJson))) {
            assertTrue(client2.awaitUplinks(1, Duration.ofSeconds(20)));
            Processes.Result socks = Processes.run(30, "/usr/bin/curl", "-sS", "--max-time", "20", "--socks5-hostname",
                    "127.0.0.1:" + client2.socks5Address().getPort(), url("/hello"));
            assertNotEquals(0, socks.exitCode(), "loopback must be refused");
            assertTrue(socks.err().toLowerCase().contains("not allowed") || socks.err().contains("(2)"), socks.err());
            Processes.Result http = Processes.run(30, "/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                    "--max-time", "20", "-x", "http://127.0.0.1:" + client2.httpAddress().getPort(), url("/hello"));
            assertEquals("403", http.outText(), http.err());
        }
    }

    @Test
    void wrongSecretIsRefusedAndStatusSaysWhy() throws Exception {
        Path clientJson = dir.resolve("client-wrong.json");
        ObjectNode cc = (ObjectNode) JSON.readTree(dir.resolve("client.json").toFile());
        cc.put("secret", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        cc.putArray("forwards");
        cc.putArray("uplinks").addObject().put("name", "direct"); // the emulator relays serve one client each
        JSON.writeValue(clientJson.toFile(), cc);
        try (BondClientApp wrong = BondClientApp.start(ClientConfig.load(clientJson))) {
            assertTrue(!wrong.awaitUplinks(1, Duration.ofSeconds(3)));
            String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + wrong.statusAddress().getPort() + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertTrue(body.contains("AUTH_FAILED"), body);
        }
    }

    @MatrixCell(peer = "iperf3", scenario = "TCP and UDP through port forwards")
    @Test
    void iperf3TcpAndUdpThroughPortForwards() throws Exception {
        assumeTrue(Processes.installed("iperf3"), "iperf3 is not installed");
        int iperfPort = freeTcpPort();
        // Forwards for iperf3's control connection (TCP) and its UDP test stream, on one local port.
        int local = freeTcpPort();
        Path clientJson = dir.resolve("client-iperf.json");
        ObjectNode cc = (ObjectNode) JSON.readTree(dir.resolve("client.json").toFile());
        cc.remove("socks5");
        cc.remove("http");
        ArrayNode forwards = cc.putArray("forwards");
        forwards.addObject().put("protocol", "tcp").put("listen", "127.0.0.1:" + local).put("to", "127.0.0.1:" + iperfPort);
        forwards.addObject().put("protocol", "udp").put("listen", "127.0.0.1:" + local).put("to", "127.0.0.1:" + iperfPort);
        ArrayNode uplinks = cc.putArray("uplinks");
        uplinks.addObject().put("name", "direct");
        JSON.writeValue(clientJson.toFile(), cc);
        Process iperfServer = Processes.start("/usr/bin/iperf3", "-s", "-B", "127.0.0.1", "-p", String.valueOf(iperfPort));
        try (BondClientApp iperfClient = BondClientApp.start(ClientConfig.load(clientJson))) {
            assertTrue(iperfClient.awaitUplinks(1, Duration.ofSeconds(20)));
            Thread.sleep(300);
            Processes.Result tcp = Processes.run(60, "/usr/bin/iperf3", "-c", "127.0.0.1", "-p", String.valueOf(local), "-t", "3", "-J");
            assertEquals(0, tcp.exitCode(), tcp.outText() + tcp.err());
            JsonNode tcpJson = JSON.readTree(tcp.out());
            double tcpBps = tcpJson.path("end").path("sum_received").path("bits_per_second").asDouble();
            assertTrue(tcpBps > 0, tcp.outText());
            System.out.printf("iperf3 TCP through a port forward: %.1f Mbit/s%n", tcpBps / 1e6);
            Processes.Result udp = Processes.run(60, "/usr/bin/iperf3", "-c", "127.0.0.1", "-p", String.valueOf(local), "-u",
                    "-b", "4M", "-l", "1000", "-t", "3", "-J");
            assertEquals(0, udp.exitCode(), udp.outText() + udp.err());
            JsonNode udpSum = JSON.readTree(udp.out()).path("end").path("sum");
            assertTrue(udpSum.path("packets").asLong() > 0, udp.outText());
            System.out.printf("iperf3 UDP 4 Mbit/s through a port forward: %.2f %% lost, jitter %.2f ms%n",
                    udpSum.path("lost_percent").asDouble(), udpSum.path("jitter_ms").asDouble());
            MatrixRecorder.figure(String.format(java.util.Locale.ROOT, "TCP %.1f Mbit/s, UDP %.2f %% lost (loopback)",
                    tcpBps / 1e6, udpSum.path("lost_percent").asDouble()));
        } finally {
            iperfServer.destroy();
        }
    }

    @MatrixCell(peer = "curl", scenario = "uplink reload under a download")
    @Test
    void reloadSwapsUplinksUnderARunningDownloadWithoutLosingIt() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        int serverPort = server.bondAddress().getPort();
        try (EmulatedLinks own = EmulatedLinks.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort),
                "old=80mbit/5ms,new=80mbit/5ms")) {
            Path clientJson = dir.resolve("client-reload.json");
            ObjectNode cc = (ObjectNode) JSON.readTree(dir.resolve("client.json").toFile());
            cc.putArray("forwards");
            cc.remove("http");
            cc.putArray("uplinks").addObject().put("name", "old").put("server", "127.0.0.1:" + own.get("old").localAddress().getPort());
            JSON.writeValue(clientJson.toFile(), cc);
            try (BondClientApp app = BondClientApp.start(ClientConfig.load(clientJson))) {
                app.setConfigReader(() -> ClientConfig.load(clientJson));
                assertTrue(app.awaitUplinks(1, Duration.ofSeconds(20)));
                Thread swapper = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(1500);
                        ObjectNode swapped = cc.deepCopy();
                        swapped.putArray("uplinks").addObject().put("name", "new")
                                .put("server", "127.0.0.1:" + own.get("new").localAddress().getPort());
                        JSON.writeValue(clientJson.toFile(), swapped);
                        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                                "http://127.0.0.1:" + app.statusAddress().getPort() + "/reload"))
                                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                        System.out.println("reload answered: " + r.body());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                Processes.Result r = Processes.run(110, "/usr/bin/curl", "-sS", "--max-time", "100", "--socks5-hostname",
                        "127.0.0.1:" + app.socks5Address().getPort(), url("/big"));
                swapper.join();
                assertEquals(0, r.exitCode(), r.err());
                assertArrayEquals(sha256(bigFile), sha256(r.out()), "the download survived losing its only uplink to a reload");
                assertTrue(own.get("new").stats().down().bytesDelivered() > 1_000_000, "the new uplink carried the rest");
                assertEquals(java.util.List.of("new"), app.status().configured().stream()
                        .map(io.quicbond.transport.session.ClientStatus.ConfiguredUplink::name).toList());
            }
        }
    }

}
