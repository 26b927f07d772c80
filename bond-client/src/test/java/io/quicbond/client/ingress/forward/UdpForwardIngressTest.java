package io.quicbond.client.ingress.forward;

import io.quicbond.client.ingress.FakeDirectTransport;
import io.quicbond.client.ingress.FakeDirectTransport.FakeUdpFlow;
import io.quicbond.client.ingress.UdpEchoServer;
import io.quicbond.transport.Destination;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UdpForwardIngressTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final FakeDirectTransport transport = new FakeDirectTransport();

    private static String roundTrip(DatagramSocket client, InetSocketAddress to, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        client.send(new DatagramPacket(bytes, bytes.length, to));
        byte[] buffer = new byte[2048];
        var packet = new DatagramPacket(buffer, buffer.length);
        client.receive(packet);
        return new String(buffer, 0, packet.getLength(), StandardCharsets.UTF_8);
    }

    private static DatagramSocket client() throws IOException {
        var socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
        socket.setSoTimeout(5_000);
        return socket;
    }

    @Test
    void eachSourceGetsItsOwnFlowAndItsOwnReplies() throws Exception {
        try (var echo = new UdpEchoServer("echo:");
             var ingress = new UdpForwardIngress(new UdpForwardSettings(new InetSocketAddress(LOOPBACK, 0),
                     new Destination("127.0.0.1", echo.port())), transport);
             var first = client();
             var second = client()) {
            ingress.start();
            InetSocketAddress to = ingress.boundAddress();
            assertEquals("echo:one", roundTrip(first, to, "one"));
            assertEquals("echo:two", roundTrip(second, to, "two"));
            assertEquals("echo:three", roundTrip(first, to, "three"));
            assertEquals(2, transport.udpFlows.size());
            assertEquals(2, ingress.flowCount());
        }
        assertEquals(true, transport.udpFlows.stream().allMatch(FakeUdpFlow::isClosed), "closed with the ingress");
    }

    @Test
    void idleFlowIsClosedAndTheNextDatagramOpensANewOne() throws Exception {
        try (var echo = new UdpEchoServer("");
             var ingress = new UdpForwardIngress(new UdpForwardSettings(new InetSocketAddress(LOOPBACK, 0),
                     new Destination("127.0.0.1", echo.port()), Duration.ofMillis(200)), transport);
             var client = client()) {
            ingress.start();
            assertEquals("a", roundTrip(client, ingress.boundAddress(), "a"));
            FakeUdpFlow flow = transport.udpFlows.getFirst();
            assertFalse(flow.isClosed());
            awaitTrue(flow::isClosed, "idle flow closed");
            assertEquals(0, ingress.flowCount());
            assertEquals("b", roundTrip(client, ingress.boundAddress(), "b"));
            assertEquals(2, transport.udpFlows.size());
        }
    }

    private static void awaitTrue(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting: " + what);
            }
            Thread.sleep(10);
        }
    }
}
