package io.quicbond.interop.e2e;

import static io.quicbond.interop.e2e.LoopbackPeers.freeTcpPort;
import static io.quicbond.interop.e2e.LoopbackPeers.freeUdpPort;
import static io.quicbond.interop.e2e.LoopbackPeers.sha256;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.quicbond.server.BondServerApp;
import io.quicbond.server.compat.VlessListenerStatus;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.transport.compat.vless.VlessCommand;
import io.quicbond.transport.compat.vless.VlessDecoder;
import io.quicbond.transport.compat.vless.VlessRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import io.quicbond.interop.matrix.MatrixCell;
import io.quicbond.interop.matrix.MatrixRecorder;

/**
 * Debian's v2ray (4.34) as a VLESS client of our server: v2ray's SOCKS inbound, VLESS outbound over plain TCP to our
 * VLESS listener. curl fetches a file through it (SHA-256 compared), a SOCKS5 UDP ASSOCIATE client echoes datagrams
 * through it, and a recording relay between v2ray and our server keeps v2ray's first bytes, which must decode with
 * our codec (they are also the codec test's fixtures). Skipped when v2ray or curl is not installed.
 */
@Timeout(120)
@ExtendWith(MatrixRecorder.class)
class VlessV2rayIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UUID USER = UUID.fromString("6f9e5d2a-0b1c-4d3e-8f70-9a8b7c6d5e4f");
    private static Path dir;
    private static BondServerApp server;
    private static HttpServer web;
    private static byte[] bigFile;
    private static DatagramSocket udpEcho;
    private static ServerSocket recorder;
    private static final List<byte[]> firstBytes = new CopyOnWriteArrayList<>();
    private static Process v2ray;
    private static int socksPort;
    /** A second v2ray whose VLESS outbound multiplexes (Mux.Cool, command 3). */
    private static Process v2rayMux;
    private static int muxSocksPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Processes.installed("v2ray"), "v2ray is not installed (apt-get install v2ray)");
        dir = Files.createTempDirectory("quicbond-vless-it");
        BondCli.serverInit("--dir", dir.toString(), "--listen", "127.0.0.1:" + freeUdpPort(), "--public-address",
                "127.0.0.1", "--user", "alice");
        Path serverJson = dir.resolve("server.json");
        BondCli.server("user", "vless", "alice", "--uuid", USER.toString(), "--config", serverJson.toString());
        ObjectNode config = (ObjectNode) JSON.readTree(serverJson.toFile());
        config.putObject("egress").putArray("allow").add("127.0.0.0/8");
        config.put("status_listen", "127.0.0.1:0");
        ObjectNode listener = config.putObject("vless").putArray("listeners").addObject();
        listener.put("listen", "127.0.0.1:0");
        listener.putArray("users").add("alice");
        JSON.writeValue(serverJson.toFile(), config);
        server = BondServerApp.start(ServerConfig.load(serverJson), dir);
        int vlessPort = server.vlessAddresses().getFirst().getPort();

        bigFile = new byte[20_000_000];
        new Random(7).nextBytes(bigFile);
        web = LoopbackPeers.webServing(bigFile);
        udpEcho = LoopbackPeers.udpEcho();
        recorder = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> record(vlessPort));

        socksPort = freeTcpPort();
        String v2rayConfig = """
                {"log": {"loglevel": "warning"},
                 "inbounds": [{"listen": "127.0.0.1", "port": %d, "protocol": "socks",
                               "settings": {"auth": "noauth", "udp": true, "ip": "127.0.0.1"}}],
                 "outbounds": [{"protocol": "vless",
                                "settings": {"vnext": [{"address": "127.0.0.1", "port": %d,
                                             "users": [{"id": "%s", "encryption": "none"}]}]},
                                "streamSettings": {"network": "tcp"}}]}
                """.formatted(socksPort, recorder.getLocalPort(), USER);
        Path v2rayJson = dir.resolve("v2ray.json");
        Files.writeString(v2rayJson, v2rayConfig);
        v2ray = Processes.start("v2ray", "-config", v2rayJson.toString());
        muxSocksPort = freeTcpPort();
        Path muxJson = dir.resolve("v2ray-mux.json");
        Files.writeString(muxJson, v2rayConfig.replace(String.valueOf(socksPort), String.valueOf(muxSocksPort))
                .replace("\"streamSettings\"", "\"mux\": {\"enabled\": true, \"concurrency\": 8}, \"streamSettings\""));
        v2rayMux = Processes.start("v2ray", "-config", muxJson.toString());
        LoopbackPeers.awaitListening(v2ray, socksPort, "v2ray's SOCKS inbound");
        LoopbackPeers.awaitListening(v2rayMux, muxSocksPort, "the multiplexing v2ray's SOCKS inbound");
    }

    /** A relay v2ray → our server that keeps the first bytes of each connection. */
    private static void record(int vlessPort) {
        while (!recorder.isClosed()) {
            try {
                Socket in = recorder.accept();
                Socket out = new Socket(InetAddress.getLoopbackAddress(), vlessPort);
                Thread.ofVirtual().start(() -> {
                    try {
                        byte[] buf = new byte[64 * 1024];
                        InputStream from = in.getInputStream();
                        OutputStream to = out.getOutputStream();
                        ByteArrayOutputStream first = new ByteArrayOutputStream();
                        int n;
                        while ((n = from.read(buf)) >= 0) {
                            if (first.size() < 256) {
                                first.write(buf, 0, Math.min(n, 256 - first.size()));
                                if (first.size() >= 19) {
                                    firstBytes.add(first.toByteArray());
                                }
                            }
                            to.write(buf, 0, n);
                        }
                        out.shutdownOutput();
                    } catch (IOException e) {
                        closeQuietly(in);
                        closeQuietly(out);
                    }
                });
                Thread.ofVirtual().start(() -> {
                    try {
                        out.getInputStream().transferTo(in.getOutputStream());
                        in.shutdownOutput();
                    } catch (IOException e) {
                        closeQuietly(in);
                        closeQuietly(out);
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (Process p : new Process[]{v2ray, v2rayMux}) {
            if (p != null) {
                p.destroy();
                p.waitFor();
            }
        }
        if (recorder != null) {
            recorder.close();
        }
        if (server != null) {
            server.close();
        }
        if (web != null) {
            web.stop(0);
        }
        if (udpEcho != null) {
            udpEcho.close();
        }
    }

    @MatrixCell(peer = "v2ray 4.34 (VLESS client)", scenario = "TCP through v2ray to our VLESS server")
    @Test
    void curlThroughV2rayToOurServerGetsTheFileIntact() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        Processes.Result r = Processes.run(60, "curl", "-sS", "--fail", "--socks5-hostname", "127.0.0.1:" + socksPort,
                "http://localhost:" + web.getAddress().getPort() + "/big");
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(sha256(bigFile), sha256(r.out()), "SHA-256 of the download");
        VlessRequest request = firstRequest(VlessCommand.TCP);
        assertEquals("localhost", request.destination().host());
        VlessListenerStatus status = server.status().vless().getFirst();
        assertTrue(status.bytesDown() >= bigFile.length, status.toString());
    }

    @MatrixCell(peer = "v2ray 4.34 (VLESS client)", scenario = "UDP through v2ray (SOCKS5 UDP ASSOCIATE)")
    @Test
    void udpThroughV2raysSocksUdpAssociateIsEchoed() throws Exception {
        udpEchoThrough(socksPort);
        VlessRequest request = firstRequest(VlessCommand.UDP);
        assertEquals(udpEcho.getLocalPort(), request.destination().port());
    }

    @MatrixCell(peer = "v2ray 4.34 (VLESS client)", scenario = "Mux.Cool TCP and UDP")
    @Test
    void multiplexingV2rayCarriesTcpAndUdpInMuxCool() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        Processes.Result r = Processes.run(60, "curl", "-sS", "--fail", "--socks5-hostname",
                "127.0.0.1:" + muxSocksPort, "http://localhost:" + web.getAddress().getPort() + "/big");
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(sha256(bigFile), sha256(r.out()), "SHA-256 of the download over Mux.Cool");
        udpEchoThrough(muxSocksPort);
        firstRequest(VlessCommand.MUX);
    }

    private static void udpEchoThrough(int socks) throws Exception {
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             Socks5UdpAssociation association = Socks5UdpAssociation.open(socks, udp.getLocalPort())) {
            udp.setSoTimeout(3_000);
            int echoed = 0;
            for (int i = 0; i < 10 && echoed < 5; i++) {
                byte[] payload = ("ping " + i).getBytes();
                byte[] datagram = Socks5UdpAssociation.toLoopback(udpEcho.getLocalPort(), payload);
                udp.send(new DatagramPacket(datagram, datagram.length, association.relayHost(), association.relayPort()));
                DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
                try {
                    udp.receive(back);
                } catch (java.net.SocketTimeoutException lost) {
                    continue; // UDP: the first datagram may race the VLESS connection's set-up
                }
                assertEquals(new String(payload), new String(Socks5UdpAssociation.payloadOf(back)));
                echoed++;
            }
            assertEquals(5, echoed, "datagrams echoed through v2ray and our server");
        }
    }

    /** The first recorded connection whose header has this command; its bytes are printed for the fixtures. */
    private static VlessRequest firstRequest(VlessCommand command) throws Exception {
        for (byte[] bytes : firstBytes) {
            VlessDecoder<VlessRequest> decoder = VlessRequest.decoder();
            decoder.feed(bytes);
            VlessRequest request = decoder.next();
            if (request != null && request.command() == command) {
                assertEquals(USER, request.user());
                System.out.println("v2ray 4.34 " + command + " first bytes: " + HexFormat.of().formatHex(bytes));
                return request;
            }
        }
        throw new AssertionError("no " + command + " request among " + firstBytes.size() + " recorded connections");
    }


    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // gone
        }
    }
}
