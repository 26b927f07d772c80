package io.quicbond.server.compat;

import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.egress.EgressPolicy;
import io.quicbond.server.egress.Resolver;
import io.quicbond.server.egress.SocketEgress;
import io.quicbond.server.users.UserLimits;
import io.quicbond.server.users.UserRates;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.Destination;
import io.quicbond.transport.compat.vless.MuxFrame;
import io.quicbond.transport.compat.vless.VlessDecoder;
import io.quicbond.transport.compat.vless.VlessRequest;
import io.quicbond.transport.compat.vless.VlessResponse;
import io.quicbond.transport.compat.vless.VlessUdpPackets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VlessServerTest {

    @TempDir
    Path dir;
    private UserStore users;
    private UUID alice;
    private VlessServer server;
    private ServerSocket tcpEcho;
    private DatagramSocket udpEcho;

    @BeforeEach
    void start() throws Exception {
        users = UserStore.open(dir.resolve("users.json"));
        users.add("alice");
        alice = users.enableVless("alice");
        users.add("bob");
        users.enableVless("bob");
        server = server(List.of(), Duration.ofSeconds(10));
        tcpEcho = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!tcpEcho.isClosed()) {
                try {
                    Socket s = tcpEcho.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s) {
                            s.getInputStream().transferTo(s.getOutputStream());
                        } catch (IOException ignored) {
                            // the test closed it
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        udpEcho = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[65535];
            while (!udpEcho.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    udpEcho.receive(p);
                    udpEcho.send(p);
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private VlessServer server(List<String> allowed, Duration headerTimeout) throws IOException {
        VlessServer s = new VlessServer(new ServerConfig.VlessListener(HostPort.parse("127.0.0.1:0"), allowed, false),
                headerTimeout, Duration.ofSeconds(300), users,
                new SocketEgress(EgressPolicy.parse(List.of("127.0.0.0/8"), List.of(), List.of())));
        s.start();
        return s;
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        tcpEcho.close();
        udpEcho.close();
    }

    private Socket connect(VlessServer s) throws IOException {
        Socket socket = new Socket();
        socket.connect(s.localAddress());
        socket.setSoTimeout(20_000);
        return socket;
    }

    private Destination tcpEchoDestination() {
        return new Destination("127.0.0.1", tcpEcho.getLocalPort());
    }

    @Test
    void tcpRequestIsRelayedToTheDestinationAfterAResponseHeader() throws Exception {
        try (Socket s = connect(server)) {
            OutputStream out = s.getOutputStream();
            byte[] header = VlessRequest.tcp(alice, tcpEchoDestination()).encode();
            out.write(concat(header, "hello".getBytes()));
            InputStream in = s.getInputStream();
            assertArrayEquals(VlessResponse.encode(), in.readNBytes(2));
            assertEquals("hello", new String(in.readNBytes(5), StandardCharsets.US_ASCII));
            byte[] big = new byte[1 << 20];
            new java.util.Random(1).nextBytes(big);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(big);
                    s.shutdownOutput();
                } catch (IOException ignored) {
                    // the read side fails the test
                }
            });
            assertArrayEquals(big, in.readAllBytes());
            writer.join();
        }
        assertEquals(0, server.status().rejected());
        assertTrue(server.status().bytesUp() >= (1 << 20) + 5);
    }

    @Test
    void aUsersRateLimitPacesTheirVlessConnections() throws Exception {
        // 4 Mbit/s = 500 kB/s each way for alice; 600 kB echoed needs at least (600 kB - the 64 KiB bucket) / rate.
        users.setLimits("alice", new UserLimits(4, 4096, 4_000_000));
        VlessServer limited = new VlessServer(
                new ServerConfig.VlessListener(HostPort.parse("127.0.0.1:0"), List.of(), false),
                Duration.ofSeconds(10), Duration.ofSeconds(300), users,
                new SocketEgress(EgressPolicy.parse(List.of("127.0.0.0/8"), List.of(), List.of()), Resolver.system(),
                        SocketEgress.DEFAULT_CONNECT_TIMEOUT, new UserRates(users)));
        limited.start();
        try (Socket s = connect(limited)) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            byte[] big = new byte[600_000];
            new java.util.Random(2).nextBytes(big);
            long start = System.nanoTime();
            out.write(VlessRequest.tcp(alice, tcpEchoDestination()).encode());
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    out.write(big);
                    s.shutdownOutput();
                } catch (IOException ignored) {
                    // the read side fails the test
                }
            });
            assertArrayEquals(VlessResponse.encode(), in.readNBytes(2));
            assertArrayEquals(big, in.readAllBytes());
            writer.join();
            double seconds = (System.nanoTime() - start) / 1e9;
            double least = (600_000 - 65_536) / 500_000.0;
            assertTrue(seconds >= least * 0.95, "600 kB echoed in " + seconds + " s; the limit allows no less than "
                    + least + " s");
        } finally {
            limited.close();
        }
    }

    @Test
    void udpRequestCarriesLengthPrefixedPackets() throws Exception {
        try (Socket s = connect(server)) {
            OutputStream out = s.getOutputStream();
            out.write(VlessRequest.udp(alice, new Destination("127.0.0.1", udpEcho.getLocalPort())).encode());
            out.write(VlessUdpPackets.encode("one".getBytes()));
            out.write(VlessUdpPackets.encode(new byte[1400]));
            InputStream in = s.getInputStream();
            assertArrayEquals(VlessResponse.encode(), in.readNBytes(2));
            VlessDecoder<byte[]> packets = VlessUdpPackets.decoder();
            assertArrayEquals("one".getBytes(), packets.read(in));
            assertEquals(1400, packets.read(in).length);
        }
    }

    @Test
    void muxCarriesTcpSubSessionsAndXudpPackets() throws Exception {
        try (Socket s = connect(server)) {
            OutputStream out = s.getOutputStream();
            out.write(VlessRequest.mux(alice).encode());
            Destination udp = new Destination("127.0.0.1", udpEcho.getLocalPort());
            out.write(new MuxFrame(0, MuxFrame.Status.NEW, false, MuxFrame.Network.UDP, udp, new byte[8],
                    "ping".getBytes()).encode());
            out.write(MuxFrame.newSession(1, MuxFrame.Network.TCP, tcpEchoDestination(), "tcp!".getBytes()).encode());
            out.write(MuxFrame.udpPacket(0, udp, "pong".getBytes()).encode());
            InputStream in = s.getInputStream();
            assertArrayEquals(VlessResponse.encode(), in.readNBytes(2));
            VlessDecoder<MuxFrame> frames = MuxFrame.decoder();
            ByteArrayOutputStream tcp = new ByteArrayOutputStream();
            List<String> udpPayloads = new java.util.ArrayList<>();
            while (tcp.size() < 4 || udpPayloads.size() < 2) {
                MuxFrame f = frames.read(in);
                assertNotNull(f);
                if (f.sessionId() == 1 && f.data() != null) {
                    tcp.writeBytes(f.data());
                } else if (f.sessionId() == 0 && f.data() != null) {
                    assertEquals(udp, f.target(), "XUDP responses name their source");
                    udpPayloads.add(new String(f.data(), StandardCharsets.US_ASCII));
                }
            }
            assertEquals("tcp!", tcp.toString(StandardCharsets.US_ASCII));
            assertEquals(List.of("ping", "pong"), udpPayloads.stream().sorted().toList());
            out.write(MuxFrame.end(1, false).encode());
            MuxFrame f;
            while ((f = frames.read(in)) != null && !(f.sessionId() == 1 && f.status() == MuxFrame.Status.END)) {
                // the echo closes after our End: its End follows
            }
            assertNotNull(f);
        }
    }

    @Test
    void unknownUuidIsClosedWithoutAReply() throws Exception {
        try (Socket s = connect(server)) {
            s.getOutputStream().write(VlessRequest.tcp(UUID.randomUUID(), tcpEchoDestination()).encode());
            assertEquals(-1, s.getInputStream().read());
        }
        assertEquals(1, server.status().rejected());
    }

    @Test
    void malformedHeaderIsClosedWithoutAReply() throws Exception {
        try (Socket s = connect(server)) {
            byte[] header = VlessRequest.tcp(alice, tcpEchoDestination()).encode();
            header[18] = 9; // command 9
            s.getOutputStream().write(header);
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void userNotOnThisListenerIsClosedWithoutAReply() throws Exception {
        try (VlessServer bobsPort = server(List.of("bob"), Duration.ofSeconds(10)); Socket s = connect(bobsPort)) {
            s.getOutputStream().write(VlessRequest.tcp(alice, tcpEchoDestination()).encode());
            assertEquals(-1, s.getInputStream().read());
            assertEquals(1, bobsPort.status().rejected());
        }
    }

    @Test
    void slowHeaderIsClosedWithinTheHeaderTimeout() throws Exception {
        try (VlessServer strict = server(List.of(), Duration.ofMillis(500)); Socket s = connect(strict)) {
            byte[] header = VlessRequest.tcp(alice, tcpEchoDestination()).encode();
            OutputStream out = s.getOutputStream();
            long start = System.nanoTime();
            int read = 0;
            try {
                for (int i = 0; i < header.length - 1; i++) {
                    out.write(header[i]);
                    Thread.sleep(100);
                }
                read = s.getInputStream().read();
            } catch (IOException e) {
                read = -1; // reset by the server while we were still trickling
            }
            assertEquals(-1, read);
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(5).toNanos());
            assertEquals(1, strict.status().rejected());
        }
    }

    @Test
    void egressPolicyApplies() throws Exception {
        try (Socket s = connect(server)) {
            s.getOutputStream().write(VlessRequest.tcp(alice, new Destination("10.0.0.1", 80)).encode());
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void garbageHeadersAndGarbageMuxFramesCloseOnlyTheirConnection() throws Exception {
        java.util.Random random = new java.util.Random(21);
        for (int i = 0; i < 40; i++) {
            byte[] garbage = new byte[1 + random.nextInt(600)];
            random.nextBytes(garbage);
            if (i % 2 == 1) {
                // a valid Mux.Cool request followed by garbage frames
                byte[] header = VlessRequest.mux(alice).encode();
                garbage = concat(header, garbage);
            }
            try (Socket s = connect(server)) {
                s.getOutputStream().write(garbage);
                s.shutdownOutput();
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // whatever the server says (00 00 for the Mux request, End frames) until it closes
                }
            } catch (IOException reset) {
                // closed hard: fine too
            }
        }
        assertEquals(20, server.status().rejected(), "each garbage header rejected");
        try (Socket s = connect(server)) {
            s.getOutputStream().write(concat(VlessRequest.tcp(alice, tcpEchoDestination()).encode(), "ok".getBytes()));
            assertArrayEquals(concat(VlessResponse.encode(), "ok".getBytes()), s.getInputStream().readNBytes(4));
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

}
