package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.EgressConnector.EgressRates;
import io.quicbond.transport.RateLimit;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.UdpFlow;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A user's rate limit holds end to end: the server's egress paces TCP each way and polices UDP, and all of the
 * user's flows share it. Only lower bounds on time are checked (a slow machine can only make them slower), and
 * for UDP an upper bound on packets that grows with the time the test took.
 */
class EgressRateLimitTest {
    /** 4 Mbit/s = 500 kB/s each way; the bucket holds 64 KiB. */
    private static final long LIMIT_BITS = 4_000_000;
    private static final double BYTES_PER_SECOND = LIMIT_BITS / 8.0;

    private final EgressRates rates = new EgressRates(new RateLimit(LIMIT_BITS), new RateLimit(LIMIT_BITS));

    @AfterEach
    void closeEngines() {
        EngineUnderTest.closeAll();
    }

    private BondServer server(BondSettings settings) throws Exception {
        return LoopbackBond.newServer(EngineUnderTest.QUICHE, settings, LoopbackBond.listenSpec(),
                new FakeDirectEgress(rates));
    }

    private static BondClient client(BondServer server, BondSettings settings) throws InterruptedException {
        BondClient client = LoopbackBond.newClient(EngineUnderTest.QUICHE, settings, LoopbackBond.identity(),
                LoopbackBond.SECRET);
        client.addUplink(new UplinkSpec("link0", server.localAddress(), null, null, true));
        assertTrue(client.awaitUplinks(1, Duration.ofSeconds(20)));
        return client;
    }

    @Test
    @Timeout(60)
    void twoTcpFlowsShareTheUsersRateEachWay() throws Exception {
        BondSettings settings = BondSettings.defaults();
        try (BondServer server = server(settings);
             ServerSocket echo1 = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
             ServerSocket echo2 = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            BondClient client = client(server, settings);
            LoopbackBond.echoOnce(echo1);
            LoopbackBond.echoOnce(echo2);
            byte[] a = LoopbackBond.randomBytes(600_000, 1);
            byte[] b = LoopbackBond.randomBytes(600_000, 2);
            long start = System.nanoTime();
            TcpFlow flowA = client.openTcp(new Destination("127.0.0.1", echo1.getLocalPort()));
            TcpFlow flowB = client.openTcp(new Destination("127.0.0.1", echo2.getLocalPort()));
            CompletableFuture<byte[]> backA = CompletableFuture.supplyAsync(() -> roundTrip(flowA, a), LoopbackBond.THREADS);
            CompletableFuture<byte[]> backB = CompletableFuture.supplyAsync(() -> roundTrip(flowB, b), LoopbackBond.THREADS);
            assertArrayEquals(a, backA.get(50, TimeUnit.SECONDS));
            assertArrayEquals(b, backB.get(50, TimeUnit.SECONDS));
            double seconds = (System.nanoTime() - start) / 1e9;
            // 1.2 MB each way through one 500 kB/s bucket per direction, less what the bucket held.
            double least = (1_200_000 - rates.toDestination().burstBytes()) / BYTES_PER_SECOND;
            assertTrue(seconds >= least * 0.95, "1.2 MB echoed in " + seconds + " s; the limit allows no less than "
                    + least + " s");
            System.out.printf("2 flows, 1.2 MB each way at %d bit/s: %.2f s (at least %.2f)%n", LIMIT_BITS, seconds,
                    least);
            client.close();
        }
    }

    private static byte[] roundTrip(TcpFlow flow, byte[] data) {
        try {
            return LoopbackBond.roundTrip(flow, data, 50);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    @Test
    @Timeout(60)
    void udpOverTheUsersRateIsDroppedNotQueued() throws Exception {
        BondSettings settings = BondSettings.defaults();
        try (BondServer server = server(settings);
             DatagramSocket destination = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            BondClient client = client(server, settings);
            AtomicInteger arrived = new AtomicInteger();
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[2048];
                try {
                    while (true) {
                        destination.receive(new DatagramPacket(buf, buf.length));
                        arrived.incrementAndGet();
                    }
                } catch (Exception closed) {
                    // done
                }
            });
            UdpFlow flow = client.openUdp(new Destination("127.0.0.1", destination.getLocalPort()), p -> { });
            long start = System.nanoTime();
            byte[] packet = new byte[1000];
            for (int i = 0; i < 1000; i++) {
                flow.send(packet);
            }
            Thread.sleep(500);
            double seconds = (System.nanoTime() - start) / 1e9;
            // 1 MB offered at once: the bucket (64 KiB) and the rate over the whole time are all that may pass.
            int most = (int) ((rates.toDestination().burstBytes() + BYTES_PER_SECOND * seconds) / packet.length) + 1;
            assertTrue(arrived.get() > 0, "some packets pass");
            assertTrue(arrived.get() <= most, arrived.get() + " of 1000 packets arrived in " + seconds
                    + " s; the limit allows " + most);
            System.out.printf("UDP: %d of 1000 packets of 1000 B passed in %.2f s (at most %d)%n", arrived.get(),
                    seconds, most);
            flow.close();
            client.close();
        }
    }
}
