package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.client.BondClientApp;
import io.quicbond.client.config.ClientConfig;
import io.quicbond.server.BondServerApp;
import io.quicbond.server.config.ServerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import io.quicbond.interop.matrix.MatrixCell;
import io.quicbond.interop.matrix.MatrixRecorder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Two independent QUIC stacks carrying the bond protocol: the real apps, started from `init` and `config --link`
 * as a user would, with {@code "engine"} set differently at the two ends (a kwik client with a quiche server, and
 * a quiche client with a kwik server). Two uplinks each; a TCP port forward carries 16 MB each way at once to an
 * echo server (hash checked), and a UDP forward carries packets that fit a QUIC datagram and ones that need the
 * stream fallback.
 */
@ExtendWith(MatrixRecorder.class)
class MixedEnginesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ExecutorService THREADS = Executors.newVirtualThreadPerTaskExecutor();

    @MatrixCell(peer = "quicbond server on quiche (netty QUIC 4.2.18)", scenario = "kwik client: TCP 16 MB each way, UDP")
    @Test
    @Timeout(180)
    void aKwikClientBondsWithAQuicheServer() throws Exception {
        bondBetween("kwik", "quiche");
    }

    @MatrixCell(peer = "quicbond server on kwik 0.10.9", scenario = "quiche client: TCP 16 MB each way, UDP")
    @Test
    @Timeout(180)
    void aQuicheClientBondsWithAKwikServer() throws Exception {
        bondBetween("quiche", "kwik");
    }

    private static void bondBetween(String clientEngine, String serverEngine) throws Exception {
        assumeTrue(io.quicbond.transport.engine.quiche.QuicheEngine.availability().isEmpty(),
                "the quiche engine cannot run here, so there is no mixed pair to test");
        Path dir = Files.createTempDirectory("quicbond-mixed");
        int serverPort = LoopbackPeers.freeUdpPort();
        String shareLink = BondCli.serverInit("--dir", dir.toString(), "--listen", "127.0.0.1:" + serverPort,
                "--public-address", "127.0.0.1", "--user", "alice");
        Path serverJson = dir.resolve("server.json");
        ObjectNode serverConfig = (ObjectNode) JSON.readTree(serverJson.toFile());
        serverConfig.put("engine", serverEngine);
        serverConfig.putObject("egress").putArray("allow").add("127.0.0.0/8");
        serverConfig.put("status_listen", "127.0.0.1:0");
        JSON.writeValue(serverJson.toFile(), serverConfig);

        try (ServerSocket echo = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             DatagramSocket udpEcho = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             BondServerApp server = BondServerApp.start(ServerConfig.load(serverJson), dir)) {
            startEchoes(echo, udpEcho);
            Path clientJson = dir.resolve("client.json");
            BondCli.clientConfig(shareLink, clientJson);
            ObjectNode clientConfig = (ObjectNode) JSON.readTree(clientJson.toFile());
            clientConfig.put("engine", clientEngine);
            ArrayNode uplinks = clientConfig.putArray("uplinks");
            uplinks.addObject().put("name", "a").put("server", "127.0.0.1:" + serverPort);
            uplinks.addObject().put("name", "b").put("server", "127.0.0.1:" + serverPort);
            ArrayNode forwards = clientConfig.putArray("forwards");
            forwards.addObject().put("protocol", "tcp").put("listen", "127.0.0.1:0")
                    .put("to", "127.0.0.1:" + echo.getLocalPort());
            forwards.addObject().put("protocol", "udp").put("listen", "127.0.0.1:0")
                    .put("to", "127.0.0.1:" + udpEcho.getLocalPort());
            JSON.writeValue(clientJson.toFile(), clientConfig);

            try (BondClientApp client = BondClientApp.start(ClientConfig.load(clientJson))) {
                assertTrue(client.awaitUplinks(2, Duration.ofSeconds(30)), "two uplinks up");
                assertEquals(serverEngine, serverStatus(server).path("engine").asText(), "the server runs " + serverEngine);

                tcpEchoCarriesEveryByteBothWays(client.forwardAddresses().get(0));
                udpEchoesThroughDatagramsAndTheStreamFallback(client.forwardAddresses().get(1));
                MatrixRecorder.figure("16 MB each way, SHA-256 equal; UDP 10/1100/4000 B echoed");
            }
        }
    }

    private static void tcpEchoCarriesEveryByteBothWays(InetSocketAddress forward) throws Exception {
        byte[] data = new byte[16 << 20];
        new Random(41).nextBytes(data);
        try (Socket s = new Socket(forward.getAddress(), forward.getPort())) {
            CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = s.getInputStream()) {
                    MessageDigest md = MessageDigest.getInstance("SHA-256");
                    byte[] buf = new byte[65536];
                    long total = 0;
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        md.update(buf, 0, n);
                        total += n;
                    }
                    assertEquals(data.length, total, "bytes echoed");
                    return md.digest();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, THREADS);
            OutputStream o = s.getOutputStream();
            o.write(data);
            s.shutdownOutput();
            assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data), back.get(120, TimeUnit.SECONDS),
                    "16 MB up and back, in order");
        }
    }

    private static void udpEchoesThroughDatagramsAndTheStreamFallback(InetSocketAddress forward) throws Exception {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            // 1100 bytes fits a QUIC datagram on both engines; 4000 goes over the bond stream.
            LoopbackPeers.assertUdpEchoes(udp, forward, 10, 1100, 4000);
        }
    }

    private static void startEchoes(ServerSocket echo, DatagramSocket udpEcho) {
        Thread.ofVirtual().start(() -> {
            try (Socket s = echo.accept()) {
                s.getInputStream().transferTo(s.getOutputStream());
                s.shutdownOutput();
            } catch (Exception ignored) {
                // test over
            }
        });
        LoopbackPeers.echoUdp(udpEcho);
    }

    private static JsonNode serverStatus(BondServerApp server) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + server.statusAddress().getPort() + "/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return JSON.readTree(body);
    }
}
