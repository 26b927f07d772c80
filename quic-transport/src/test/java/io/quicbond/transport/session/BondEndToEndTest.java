package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole bond in-process on loopback, once per QUIC engine. */
class BondEndToEndTest {

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(120)
    void tcpEchoOverThreeUplinksArrivesIntact(EngineUnderTest engine) throws Exception {
        try (LoopbackBond bond = new LoopbackBond(engine, 3, BondSettings.defaults());
             ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            LoopbackBond.echoOnce(echo);
            byte[] data = LoopbackBond.randomBytes(20 << 20, 1);
            TcpFlow flow = bond.client.openTcp(new Destination("127.0.0.1", echo.getLocalPort()));
            byte[] received = LoopbackBond.roundTrip(flow, data, 100);
            assertEquals(data.length, received.length);
            assertArrayEquals(LoopbackBond.sha256(data), LoopbackBond.sha256(received));
            System.out.println(engine + ": " + bond.client.status());
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(60)
    void uploadGoesOnAfterTheDestinationHalfClosesFirst(EngineUnderTest engine) throws Exception {
        try (LoopbackBond bond = new LoopbackBond(engine, 2, BondSettings.defaults());
             ServerSocket dest = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<byte[]> uploaded = CompletableFuture.supplyAsync(() -> {
                try (Socket s = dest.accept()) {
                    s.getOutputStream().write("bye".getBytes());
                    s.shutdownOutput(); // the destination is done talking before the client is
                    return LoopbackBond.sha256(s.getInputStream().readAllBytes());
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, LoopbackBond.THREADS);
            TcpFlow flow = bond.client.openTcp(new Destination("127.0.0.1", dest.getLocalPort()));
            assertArrayEquals("bye".getBytes(), flow.input().readAllBytes());
            byte[] data = LoopbackBond.randomBytes(8 << 20, 3);
            try (OutputStream out = flow.output()) {
                out.write(data);
            }
            assertArrayEquals(LoopbackBond.sha256(data), uploaded.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
    }
}
