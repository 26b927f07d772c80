package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowResetException;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.UdpFlow;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The client transport against a fake VLESS server made of our own codec: what it sends, what it accepts. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VlessClientTransportTest {

    private static final UUID USER = UUID.fromString("11111111-2222-4333-8444-555555555555");
    private final ServerSocket fake;
    private final BlockingQueue<VlessRequest> requests = new ArrayBlockingQueue<>(8);

    VlessClientTransportTest() throws IOException {
        fake = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
    }

    @AfterEach
    void close() throws IOException {
        fake.close();
    }

    /** Accepts one connection; answers per {@code answer}. */
    private void serveOne(Handler answer) {
        Thread.ofVirtual().start(() -> {
            try (Socket s = fake.accept()) {
                VlessDecoder<VlessRequest> d = VlessRequest.decoder();
                VlessRequest r = d.read(s.getInputStream());
                requests.add(r);
                answer.handle(r, d, s.getInputStream(), s.getOutputStream());
            } catch (IOException ignored) {
                // the test checks the outcome
            }
        });
    }

    @FunctionalInterface
    interface Handler {
        void handle(VlessRequest r, VlessDecoder<VlessRequest> rest, InputStream in, OutputStream out) throws IOException;
    }

    private VlessClientTransport transport() {
        return new VlessClientTransport("127.0.0.1", fake.getLocalPort(), USER, true, Duration.ofSeconds(5),
                Duration.ofSeconds(300));
    }

    @Test
    void tcpFlowSendsCommandOneAndStripsTheResponseHeader() throws Exception {
        serveOne((r, rest, in, out) -> {
            out.write(VlessResponse.encode());
            out.write(rest.drain());
            in.transferTo(out);
        });
        VlessClientTransport t = transport();
        try (TcpFlow flow = t.openTcp(new Destination("example.com", 443))) {
            flow.output().write("hello".getBytes());
            flow.output().close();
            assertArrayEquals("hello".getBytes(), flow.input().readAllBytes());
        }
        assertEquals(VlessRequest.tcp(USER, new Destination("example.com", 443)), requests.poll(5, TimeUnit.SECONDS));
        assertEquals(1, t.connections());
    }

    @Test
    void serverClosingWithoutAnAnswerResetsTheFlow() throws Exception {
        serveOne((r, rest, in, out) -> { });
        try (TcpFlow flow = transport().openTcp(new Destination("192.0.2.1", 80))) {
            assertThrows(FlowResetException.class, () -> flow.input().read());
        }
    }

    @Test
    void udpFlowSendsCommandTwoAndLengthPrefixedPackets() throws Exception {
        serveOne((r, rest, in, out) -> {
            out.write(VlessResponse.encode());
            VlessDecoder<byte[]> packets = VlessUdpPackets.decoder();
            packets.feed(rest.drain());
            byte[] p;
            while ((p = packets.read(in)) != null) {
                out.write(VlessUdpPackets.encode(p));
                out.write(VlessUdpPackets.encode(p));
            }
        });
        BlockingQueue<byte[]> received = new ArrayBlockingQueue<>(8);
        try (UdpFlow flow = transport().openUdp(new Destination("2001:db8::53", 53), received::add)) {
            flow.send("query".getBytes());
            assertArrayEquals("query".getBytes(), received.poll(5, TimeUnit.SECONDS));
            assertArrayEquals("query".getBytes(), received.poll(5, TimeUnit.SECONDS));
        }
        assertEquals(VlessRequest.udp(USER, new Destination("2001:db8::53", 53)), requests.poll(5, TimeUnit.SECONDS));
    }

    @Test
    void udpFlowOpensANewConnectionWhenTheServerEndedTheLastOne() throws Exception {
        Handler echoOnceThenClose = (r, rest, in, out) -> {
            out.write(VlessResponse.encode());
            VlessDecoder<byte[]> packets = VlessUdpPackets.decoder();
            packets.feed(rest.drain());
            byte[] p = packets.read(in);
            out.write(VlessUdpPackets.encode(p));
        };
        serveOne(echoOnceThenClose);
        BlockingQueue<byte[]> received = new ArrayBlockingQueue<>(8);
        try (UdpFlow flow = transport().openUdp(new Destination("192.0.2.53", 53), received::add)) {
            flow.send("one".getBytes());
            assertArrayEquals("one".getBytes(), received.poll(5, TimeUnit.SECONDS));
            assertEquals(VlessRequest.udp(USER, new Destination("192.0.2.53", 53)), requests.poll(5, TimeUnit.SECONDS));
            serveOne(echoOnceThenClose);
            byte[] got = null;
            for (int i = 0; i < 50 && got == null; i++) {
                flow.send("two".getBytes()); // the first sends may still meet the closing connection
                got = received.poll(200, TimeUnit.MILLISECONDS);
            }
            assertArrayEquals("two".getBytes(), got);
            assertEquals(VlessRequest.udp(USER, new Destination("192.0.2.53", 53)), requests.poll(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void unreachableServerIsAFlowOpenException() throws Exception {
        int port;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = gone.getLocalPort();
        }
        VlessClientTransport t = new VlessClientTransport("127.0.0.1", port, USER, false, Duration.ofSeconds(5),
                Duration.ofSeconds(300));
        assertThrows(FlowOpenException.class, () -> t.openTcp(new Destination("example.com", 80)));
    }

    @Test
    void retargetSendsNewFlowsToTheNewServerAsTheNewUserWhileOpenOnesStay() throws Exception {
        UUID other = UUID.fromString("99999999-8888-4777-8666-555555555555");
        serveOne((r, rest, in, out) -> {
            out.write(VlessResponse.encode());
            in.transferTo(out);
        });
        VlessClientTransport t = transport();
        try (ServerSocket second = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             TcpFlow before = t.openTcp(new Destination("example.com", 80))) {
            assertEquals(USER, requests.poll(10, TimeUnit.SECONDS).user());
            BlockingQueue<VlessRequest> atSecond = new ArrayBlockingQueue<>(2);
            Thread.ofVirtual().start(() -> {
                try (Socket s = second.accept()) {
                    atSecond.add(VlessRequest.decoder().read(s.getInputStream()));
                    s.getOutputStream().write(VlessResponse.encode());
                    s.getInputStream().transferTo(s.getOutputStream());
                } catch (IOException ignored) {
                    // the test checks the outcome
                }
            });
            t.retarget(new VlessClientTransport.Target("127.0.0.1", second.getLocalPort(), other, true));
            assertEquals("127.0.0.1:" + second.getLocalPort(), t.target().toString());
            try (TcpFlow after = t.openTcp(new Destination("example.org", 443))) {
                VlessRequest r = atSecond.poll(10, TimeUnit.SECONDS);
                assertEquals(other, r.user());
                after.output().write(1);
                after.output().flush();
                assertEquals(1, after.input().read());
            }
            // The flow opened before the reload still talks to the first server.
            before.output().write(7);
            before.output().flush();
            assertEquals(7, before.input().read());
        }
    }
}
