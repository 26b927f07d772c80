package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.net.httpserver.HttpServer;
import io.quicbond.client.BondClientApp;
import io.quicbond.client.config.ClientConfig;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import io.quicbond.interop.matrix.MatrixCell;
import io.quicbond.interop.matrix.MatrixRecorder;

/**
 * Our client in compat mode against Debian's v2ray (4.34) as the VLESS server (VLESS inbound, decryption none,
 * freedom outbound): curl through our SOCKS5 ingress (SHA-256 compared), and UDP through our UDP port forward to an
 * echo server (VLESS command 2). Skipped when v2ray or curl is not installed.
 */
@Timeout(120)
@ExtendWith(MatrixRecorder.class)
class VlessClientV2rayIT {
    private static final UUID USER = UUID.fromString("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
    private static Path dir;
    private static HttpServer web;
    private static byte[] bigFile;
    private static DatagramSocket udpEcho;
    private static Process v2ray;
    private static BondClientApp client;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Processes.installed("v2ray"), "v2ray is not installed (apt-get install v2ray)");
        dir = Files.createTempDirectory("quicbond-vless-client-it");
        bigFile = new byte[20_000_000];
        new Random(9).nextBytes(bigFile);
        web = LoopbackPeers.webServing(bigFile);
        udpEcho = LoopbackPeers.udpEcho();
        int vlessPort = LoopbackPeers.freeTcpPort();
        Path v2rayJson = dir.resolve("v2ray.json");
        Files.writeString(v2rayJson, """
                {"log": {"loglevel": "warning"},
                 "inbounds": [{"listen": "127.0.0.1", "port": %d, "protocol": "vless",
                               "settings": {"clients": [{"id": "%s"}], "decryption": "none"},
                               "streamSettings": {"network": "tcp"}}],
                 "outbounds": [{"protocol": "freedom"}]}
                """.formatted(vlessPort, USER));
        v2ray = Processes.start("v2ray", "-config", v2rayJson.toString());
        LoopbackPeers.awaitListening(v2ray, vlessPort, "v2ray's VLESS inbound");
        client = BondClientApp.start(ClientConfig.parse("""
                {"transport": {"type": "vless", "server": "127.0.0.1:%d", "uuid": "%s"},
                 "socks5": {"listen": "127.0.0.1:0"},
                 "forwards": [{"protocol": "udp", "listen": "127.0.0.1:0", "to": "127.0.0.1:%d"}],
                 "status_listen": "127.0.0.1:0"}
                """.formatted(vlessPort, USER, udpEcho.getLocalPort()), "client.json"));
        assertNull(client.transport(), "no bond in compat mode");
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (v2ray != null) {
            v2ray.destroy();
            v2ray.waitFor();
        }
        if (web != null) {
            web.stop(0);
        }
        if (udpEcho != null) {
            udpEcho.close();
        }
    }

    @MatrixCell(peer = "v2ray 4.34 (VLESS server)", scenario = "TCP from our VLESS client through v2ray")
    @Test
    void curlThroughOurSocksToV2raysVlessServerGetsTheFileIntact() throws Exception {
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        Processes.Result r = Processes.run(60, "curl", "-sS", "--fail", "--socks5-hostname",
                "127.0.0.1:" + client.socks5Address().getPort(), "http://localhost:" + web.getAddress().getPort() + "/big");
        assertEquals(0, r.exitCode(), r.err());
        assertArrayEquals(LoopbackPeers.sha256(bigFile), LoopbackPeers.sha256(r.out()));
        assertTrue(client.vlessTransport().connections() >= 1);
    }

    @MatrixCell(peer = "v2ray 4.34 (VLESS server)", scenario = "UDP from our VLESS client through v2ray")
    @Test
    void udpThroughOurForwardIsEchoedByV2raysVlessServer() throws Exception {
        InetSocketAddress forward = client.forwardAddresses().getFirst();
        try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            udp.setSoTimeout(3_000);
            int echoed = 0;
            for (int i = 0; i < 10 && echoed < 5; i++) {
                byte[] payload = ("ping " + i).getBytes();
                udp.send(new DatagramPacket(payload, payload.length, forward));
                DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
                try {
                    udp.receive(back);
                } catch (java.net.SocketTimeoutException lost) {
                    continue;
                }
                assertEquals(new String(payload), new String(back.getData(), 0, back.getLength()));
                echoed++;
            }
            assertEquals(5, echoed, "datagrams echoed through our VLESS client and v2ray");
        }
    }
}
