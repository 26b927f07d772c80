package io.quicbond.client.ingress.forward;

import io.quicbond.client.ingress.FakeDirectTransport;
import io.quicbond.client.ingress.TcpEchoServer;
import io.quicbond.client.ingress.TcpEchoServer.Mode;
import io.quicbond.transport.Destination;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpForwardIngressTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private final FakeDirectTransport transport = new FakeDirectTransport();

    @Test
    void connectionsGoToTheFixedDestination() throws Exception {
        try (var echo = new TcpEchoServer(Mode.ECHO);
             var ingress = new TcpForwardIngress(new TcpForwardSettings(new InetSocketAddress(LOOPBACK, 0),
                     new Destination("localhost", echo.port())), transport)) {
            ingress.start();
            for (int i = 0; i < 3; i++) {
                try (var socket = new Socket()) {
                    socket.connect(ingress.boundAddress());
                    socket.setSoTimeout(5_000);
                    socket.getOutputStream().write(("round " + i).getBytes(StandardCharsets.UTF_8));
                    socket.shutdownOutput();
                    assertEquals("round " + i,
                            new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            assertEquals(3, transport.tcpFlows.size());
        }
    }

    @Test
    void refusedDestinationResetsTheClient() throws Exception {
        int closedPort;
        try (var s = new ServerSocket(0, 1, LOOPBACK)) {
            closedPort = s.getLocalPort();
        }
        try (var ingress = new TcpForwardIngress(new TcpForwardSettings(new InetSocketAddress(LOOPBACK, 0),
                new Destination("127.0.0.1", closedPort)), transport);
             var socket = new Socket()) {
            ingress.start();
            socket.connect(ingress.boundAddress());
            socket.setSoTimeout(5_000);
            assertThrows(SocketException.class, () -> socket.getInputStream().read());
        }
    }
}
