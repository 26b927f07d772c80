package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.engine.quiche.QuicheEngine;
import io.quicbond.transport.scheduler.FlowClassifier;
import io.quicbond.transport.tls.CertificatePin;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The whole bond (sessions, flows, scheduler) over the quiche engine instead of kwik, as {@link BondEndToEndTest}. */
class QuicheBondEndToEndTest {

    @Test
    @Timeout(120)
    void tcpEchoOverThreeQuicheUplinksArrivesIntact() throws Exception {
        BondSettings settings = BondSettings.defaults();
        try (QuicheEngine engine = new QuicheEngine();
             ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            BondServer server = new BondServer(engine, LoopbackBond.listenSpec(), LoopbackBond::authenticate,
                    new FakeDirectEgress(), settings);
            server.start();
            BondClient client = new BondClient(engine, LoopbackBond.USER, LoopbackBond.SECRET,
                    CertificatePin.pinningTrustManager(CertificatePin.of(LoopbackBond.identity().certificate())),
                    "localhost", settings, FlowClassifier.always(settings.defaultPolicy()));
            try {
                for (int i = 0; i < 3; i++) {
                    client.addUplink(new UplinkSpec("link" + i, new InetSocketAddress(InetAddress.getLoopbackAddress(),
                            server.localAddress().getPort()), InetAddress.getLoopbackAddress(), null, true));
                }
                assertTrue(client.awaitUplinks(3, Duration.ofSeconds(20)), "uplinks up: " + client.status());
                Thread.ofVirtual().start(() -> {
                    try (Socket s = echo.accept()) {
                        s.getInputStream().transferTo(s.getOutputStream());
                        s.shutdownOutput();
                    } catch (Exception ignored) {
                    }
                });
                byte[] data = LoopbackBond.randomBytes(20 << 20, 1);
                long started = System.nanoTime();
                TcpFlow flow = client.openTcp(new Destination("127.0.0.1", echo.getLocalPort()));
                CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                    try (InputStream in = flow.input()) {
                        return in.readAllBytes();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, LoopbackBond.THREADS);
                try (OutputStream out = flow.output()) {
                    out.write(data);
                }
                byte[] received = back.get(100, TimeUnit.SECONDS);
                double seconds = (System.nanoTime() - started) / 1e9;
                assertEquals(data.length, received.length);
                assertArrayEquals(LoopbackBond.sha256(data), LoopbackBond.sha256(received));
                System.out.printf("bond over quiche (%s): 20 MB each way in %.2f s%n%s%n", engine, seconds, client.status());
            } finally {
                client.close();
                server.close();
            }
        }
    }
}
