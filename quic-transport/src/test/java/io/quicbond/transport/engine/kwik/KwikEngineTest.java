package io.quicbond.transport.engine.kwik;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KwikEngineTest {
    private static final ServerIdentity IDENTITY = ServerIdentity.generate(List.of("quicbond"));

    @Test
    void kwiksAssertionsAreOffEvenInAJvmRunWithAssertionsOn() {
        // This JVM runs with assertions on (surefire's default), as a user's -ea would. kwik's LossDetector asserts a
        // positive loss delay, which a sub-millisecond RTT breaks (see KwikEngine): loading the engine turns kwik's
        // assertions off, so such a handshake goes on instead of being aborted with an internal error.
        assertTrue(KwikEngineTest.class.desiredAssertionStatus(), "this test needs a JVM with assertions on");
        new KwikEngine();
        assertFalse(tech.kwik.core.recovery.LossDetector.class.desiredAssertionStatus(),
                "kwik's loss detector would run its assertions");
    }

    @Test
    @Timeout(30)
    void datagramOfTheAdvertisedMaximumArrivesAndOneByteMoreIsRefused() throws Exception {
        KwikEngine engine = new KwikEngine();
        LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        ServerListenSpec listen = new ServerListenSpec(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "test/1",
                IDENTITY.toKeyStore("k", "p".toCharArray()), "k", "p".toCharArray(), Duration.ofSeconds(10), 1 << 20);
        try (QuicListener listener = engine.listen(listen, link -> link.onDatagram(received::add))) {
            QuicLink client = engine.connect(new ClientLinkSpec(listener.localAddress(), null, null, "test/1",
                    CertificatePin.pinningTrustManager(CertificatePin.of(IDENTITY.certificate())), "quicbond",
                    Duration.ofSeconds(5), Duration.ofSeconds(10), 1 << 20));
            int max = client.maxDatagramPayload();
            assertTrue(max > 1000, "datagrams negotiated: " + max);
            byte[] payload = new byte[max];
            new java.util.Random(1).nextBytes(payload);
            // kwik 0.10.9 advertises 16 bytes more than it sends; a datagram of its advertised size would never leave.
            assertTrue(client.sendDatagram(payload));
            byte[] got = received.poll(5, TimeUnit.SECONDS);
            assertNotNull(got, "a datagram of maxDatagramPayload() bytes must arrive");
            assertArrayEquals(payload, got);
            assertFalse(client.sendDatagram(new byte[max + 1]), "too large must be refused, not queued forever");
            client.close(0, "done");
        }
    }

    @Test
    @Timeout(30)
    void closingTheListenerReleasesItsPortAndLeavesTheProcessAlive() throws Exception {
        KwikEngine engine = new KwikEngine();
        ServerListenSpec listen = new ServerListenSpec(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "test/1",
                IDENTITY.toKeyStore("k", "p".toCharArray()), "k", "p".toCharArray(), Duration.ofSeconds(10), 1 << 20);
        QuicListener listener = engine.listen(listen, link -> { });
        InetSocketAddress bound = listener.localAddress();
        listener.close();
        // kwik 0.10.9 calls System.exit(9) when its receive loop sees a socket error while not closing; the
        // listener closes the connector before the socket, so the JVM lives on and the port is free again.
        Thread.sleep(300);
        ServerListenSpec again = new ServerListenSpec(bound, "test/1", IDENTITY.toKeyStore("k", "p".toCharArray()), "k",
                "p".toCharArray(), Duration.ofSeconds(10), 1 << 20);
        try (QuicListener second = engine.listen(again, link -> { })) {
            assertTrue(second.localAddress().getPort() == bound.getPort());
        }
    }

    @Test
    @Timeout(30)
    void anUplinkWithAMarkAndADeviceConnectsAndTheKernelShowsBoth() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "SO_MARK needs CAP_NET_ADMIN (root)");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isExecutable(java.nio.file.Path.of("/usr/bin/ss")),
                "ss (iproute2) is not installed");
        KwikEngine engine = new KwikEngine();
        LinkedBlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
        ServerListenSpec listen = new ServerListenSpec(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "test/1",
                IDENTITY.toKeyStore("k", "p".toCharArray()), "k", "p".toCharArray(), Duration.ofSeconds(10), 1 << 20);
        try (QuicListener listener = engine.listen(listen, link -> link.onDatagram(received::add))) {
            QuicLink client = engine.connect(new ClientLinkSpec(listener.localAddress(), InetAddress.getLoopbackAddress(),
                    "lo", "test/1", CertificatePin.pinningTrustManager(CertificatePin.of(IDENTITY.certificate())),
                    "quicbond", Duration.ofSeconds(5), Duration.ofSeconds(10), 1 << 20, null,
                    new io.quicbond.transport.os.SocketPlacement(0x78, "lo")));
            try {
                // A datagram is unreliable, and one sent the moment the handshake ends can beat the server's handler:
                // send until one arrives.
                byte[] got = null;
                for (int attempt = 0; attempt < 25 && got == null; attempt++) {
                    assertTrue(client.sendDatagram(new byte[]{4, 2}));
                    got = received.poll(200, TimeUnit.MILLISECONDS);
                }
                assertArrayEquals(new byte[]{4, 2}, got);
                Process ss = new ProcessBuilder("/usr/bin/ss", "-uaen").start();
                String out = new String(ss.getInputStream().readAllBytes());
                ss.waitFor();
                assertTrue(out.lines().anyMatch(l -> l.contains("127.0.0.1%lo:") && l.contains("fwmark:0x78")), out);
            } finally {
                client.close(0, "done");
            }
        }
    }

    @Test
    @Timeout(30)
    void bothEndsRunTheDeliveryRateWindowUnlessRenoIsAsked() throws Exception {
        for (String cc : List.of("bbr", "reno")) {
            KwikEngine engine = new KwikEngine(cc);
            LinkedBlockingQueue<QuicLink> accepted = new LinkedBlockingQueue<>();
            ServerListenSpec listen = new ServerListenSpec(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    "test/1", IDENTITY.toKeyStore("k", "p".toCharArray()), "k", "p".toCharArray(), Duration.ofSeconds(10),
                    1 << 20);
            try (QuicListener listener = engine.listen(listen, accepted::add)) {
                QuicLink client = engine.connect(new ClientLinkSpec(listener.localAddress(), null, null, "test/1",
                        CertificatePin.pinningTrustManager(CertificatePin.of(IDENTITY.certificate())), "quicbond",
                        Duration.ofSeconds(5), Duration.ofSeconds(10), 1 << 20));
                QuicLink server = accepted.poll(5, TimeUnit.SECONDS);
                assertNotNull(server);
                try {
                    // kwik's NewReno says nothing about its window; the delivery-rate window reports it.
                    boolean ours = cc.equals("bbr");
                    assertTrue((client.stats().cwndBytes() >= DeliveryRateWindow.MIN_WINDOW_BYTES) == ours,
                            cc + ": client window " + client.stats().cwndBytes());
                    assertTrue((server.stats().cwndBytes() >= DeliveryRateWindow.MIN_WINDOW_BYTES) == ours,
                            cc + ": server window " + server.stats().cwndBytes());
                } finally {
                    client.close(0, "done");
                }
            }
        }
    }

    @Test
    void anUnknownEngineWideControllerIsRefused() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new KwikEngine("cubic"));
        assertTrue(e.getMessage().contains("[bbr, reno]"), e.getMessage());
    }
}
