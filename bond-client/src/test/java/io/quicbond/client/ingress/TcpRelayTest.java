package io.quicbond.client.ingress;

import io.quicbond.client.ingress.FakeDirectTransport.FakeTcpFlow;
import io.quicbond.client.ingress.TcpEchoServer.Mode;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TcpRelayTest {
    private final FakeDirectTransport transport = new FakeDirectTransport();
    private TcpEchoServer echo;
    private Socket client;
    private TcpRelay relay;
    private FakeTcpFlow flow;

    @AfterEach
    void tearDown() throws IOException {
        if (client != null) {
            client.close();
        }
        if (echo != null) {
            echo.close();
        }
    }

    /** Client → listener → accepted socket ⇄ relay ⇄ flow → echo server. */
    private void relayTo(Mode mode) throws Exception {
        echo = new TcpEchoServer(mode);
        try (var listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            client = new Socket();
            client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.getLocalPort()));
            client.setSoTimeout(5_000); // a relay that stalls fails the test instead of hanging it
            Socket accepted = listener.accept();
            flow = (FakeTcpFlow) transport.openTcp(Destination.of(InetAddress.getLoopbackAddress(), echo.port()));
            relay = new TcpRelay(accepted, flow);
            relay.start();
        }
    }

    @Test
    void halfCloseTravelsBothWays() throws Exception {
        relayTo(Mode.ECHO);
        client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
        // The echo server sends its FIN only after ours: reading to the end proves both half-closes travelled.
        client.shutdownOutput();
        assertEquals("ping", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        relay.join();
        assertTrue(flow.isClosed());
        assertEquals(List.of(), flow.resets);
    }

    @Test
    void destinationHalfCloseLetsClientKeepSending() throws Exception {
        relayTo(Mode.GREET_AND_HALF_CLOSE);
        // The destination's FIN must reach the client while the client's side is still open.
        assertEquals("hello", new String(client.getInputStream().readAllBytes(), StandardCharsets.US_ASCII));
        client.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
        client.shutdownOutput();
        assertEquals("still here", echo.received().poll(5, TimeUnit.SECONDS));
        relay.join();
    }

    @Test
    void largeTransferArrivesIntactInBothDirections() throws Exception {
        relayTo(Mode.ECHO);
        byte[] data = new byte[4 << 20];
        new Random(42).nextBytes(data);
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                client.getOutputStream().write(data);
                client.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        byte[] received = client.getInputStream().readAllBytes();
        writer.join();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        assertArrayEquals(sha.digest(data), sha.digest(received));
    }

    @Test
    void destinationResetReachesClientAsRst() throws Exception {
        relayTo(Mode.RESET_AFTER_FIRST_READ);
        client.getOutputStream().write(1);
        // An RST, not a FIN: read fails instead of returning -1.
        SocketException e = assertThrows(SocketException.class, () -> client.getInputStream().read());
        assertTrue(e.getMessage().contains("reset"), e.getMessage());
        relay.join();
    }

    @Test
    void clientResetResetsFlow() throws Exception {
        relayTo(Mode.ECHO);
        client.setSoLinger(true, 0);
        client.close();
        relay.join();
        assertEquals(List.of(FlowError.RESET), flow.resets);
    }
}
