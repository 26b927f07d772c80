package io.quicbond.client.ingress.transparent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quicbond.client.ingress.FakeDirectTransport;
import io.quicbond.client.ingress.TcpEchoServer;
import io.quicbond.client.ingress.UdpEchoServer;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.UdpFlow;
import io.quicbond.transport.os.LinuxSockets;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The transparent sockets for real, without nftables: a LAN host that writes straight to the ingress's port
 * has that address as original destination, which is enough to check that the original destination is what the
 * flow is opened to, that UDP replies leave from it, and that later datagrams reach the same pair. TPROXY itself is
 * covered by interop's RouterModeIT. Root only (IP_TRANSPARENT needs CAP_NET_ADMIN).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TransparentIngressTest {

    /** Records each destination asked for, then sends the flow to a local fixture instead. */
    static final class RedirectingTransport implements FlowTransport {
        final List<Destination> asked = new CopyOnWriteArrayList<>();
        final FakeDirectTransport direct = new FakeDirectTransport();
        final Destination target;

        RedirectingTransport(Destination target) {
            this.target = target;
        }

        @Override
        public TcpFlow openTcp(Destination destination) throws FlowOpenException {
            asked.add(destination);
            return direct.openTcp(target);
        }

        @Override
        public UdpFlow openUdp(Destination destination, Consumer<byte[]> receiver) throws FlowOpenException {
            asked.add(destination);
            return direct.openUdp(target, receiver);
        }
    }

    private static void assumeRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (IP_TRANSPARENT needs CAP_NET_ADMIN)");
        assumeTrue(LinuxSockets.unavailableReason().isEmpty(), () -> "native sockets: " + LinuxSockets.unavailableReason().get());
    }

    private static TransparentSettings settings() {
        return new TransparentSettings(0, true, null, Duration.ofSeconds(30));
    }

    @Test
    void tcpFlowGoesToTheAddressTheHostConnectedTo() throws Exception {
        assumeRoot();
        try (TcpEchoServer echo = new TcpEchoServer(TcpEchoServer.Mode.ECHO)) {
            var transport = new RedirectingTransport(new Destination("127.0.0.1", echo.port()));
            try (TransparentIngress ingress = new TransparentIngress(settings(), transport)) {
                ingress.start();
                int port = ingress.boundAddress().getPort();
                for (String host : new String[]{"127.0.0.1", "::1"}) {
                    try (Socket s = new Socket(InetAddress.getByName(host), port)) {
                        s.getOutputStream().write("ping\n".getBytes());
                        InputStream in = s.getInputStream();
                        assertArrayEquals("ping\n".getBytes(), in.readNBytes(5));
                    }
                    assertEquals(Destination.of(InetAddress.getByName(host), port), transport.asked.getLast());
                }
            }
        }
    }

    @Test
    void udpRepliesComeFromTheOriginalDestinationAndOnePairCarriesLaterDatagrams() throws Exception {
        assumeRoot();
        try (UdpEchoServer echo = new UdpEchoServer("")) {
            var transport = new RedirectingTransport(new Destination("127.0.0.1", echo.port()));
            var ingress = new TransparentUdpIngress(new TransparentSettings(0, true, null, Duration.ofSeconds(30)), transport);
            try (ingress) {
                ingress.start();
                int port = ingress.boundAddress().getPort();
                for (String host : new String[]{"127.0.0.1", "::1"}) {
                    InetSocketAddress original = new InetSocketAddress(InetAddress.getByName(host), port);
                    try (DatagramSocket lan = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0))) {
                        lan.setSoTimeout(10_000);
                        for (int i = 0; i < 3; i++) {
                            byte[] payload = ("datagram " + i).getBytes();
                            lan.send(new DatagramPacket(payload, payload.length, original));
                            DatagramPacket back = new DatagramPacket(new byte[100], 100);
                            lan.receive(back);
                            assertEquals(original, back.getSocketAddress(), "the reply leaves from the original destination");
                            assertEquals("datagram " + i, new String(back.getData(), 0, back.getLength()));
                        }
                    }
                    assertEquals(Destination.of(InetAddress.getByName(host), port), transport.asked.getLast());
                }
                assertEquals(2, transport.asked.size(), "one flow per (source, original destination)");
                assertEquals(2, ingress.flowCount());
            }
        }
    }

    @Test
    void udpPairIdlesOut() throws Exception {
        assumeRoot();
        try (UdpEchoServer echo = new UdpEchoServer("")) {
            var transport = new RedirectingTransport(new Destination("127.0.0.1", echo.port()));
            var ingress = new TransparentUdpIngress(new TransparentSettings(0, false, null, Duration.ofMillis(300)), transport);
            try (ingress; DatagramSocket lan = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                ingress.start();
                lan.setSoTimeout(10_000);
                lan.send(new DatagramPacket(new byte[]{1}, 1, ingress.boundAddress().getAddress().isAnyLocalAddress()
                        ? new InetSocketAddress(InetAddress.getLoopbackAddress(), ingress.boundAddress().getPort())
                        : ingress.boundAddress()));
                lan.receive(new DatagramPacket(new byte[10], 10));
                long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
                while (ingress.flowCount() > 0 && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertEquals(0, ingress.flowCount());
                assertEquals(true, transport.direct.udpFlows.getFirst().isClosed());
            }
        }
    }

    @Test
    void dnsGoesToTheConfiguredResolverAndEverythingElseToItsOriginalDestination() {
        var s = new TransparentSettings(4435, true, new Destination("198.51.100.53", 53), Duration.ofSeconds(60));
        assertEquals(new Destination("198.51.100.53", 53), s.route(new Destination("192.168.1.1", 53)));
        assertEquals(new Destination("192.0.2.1", 443), s.route(new Destination("192.0.2.1", 443)));
        var keep = new TransparentSettings(4435, true, null, Duration.ofSeconds(60));
        assertEquals(new Destination("9.9.9.9", 53), keep.route(new Destination("9.9.9.9", 53)));
    }
}
