package io.quicbond.interop.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class LinkEmulatorCommandTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return LinkEmulatorCommand.run(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), args);
    }

    @Test
    void relaysAndPrintsCountersEachInterval() throws Exception {
        int port;
        try (DatagramChannel probe = DatagramChannel.open()) {
            probe.bind(new InetSocketAddress("127.0.0.1", 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer echo = UdpPeer.echo()) {
            CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> run(
                    "--target", "127.0.0.1:" + echo.address().getPort(), "--listen", "127.0.0.1:" + port,
                    "--up", "10mbit/5ms/q=128k", "--down", "20mbit/5ms", "--interval", "250ms", "--duration", "1s"));
            InetSocketAddress relay = new InetSocketAddress("127.0.0.1", port);
            // The command binds asynchronously; keep knocking until the first echo proves it listens.
            for (int i = 0; i < 200 && client.count() == 0; i++) {
                client.send(relay, -1, 100);
                client.await(1, Duration.ofMillis(20));
            }
            client.clear();
            for (int i = 0; i < 50; i++) {
                client.send(relay, i, 1000);
            }
            assertEquals(50, client.await(50, Duration.ofSeconds(5)));
            assertEquals(0, exit.get(10, TimeUnit.SECONDS), err::toString);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("relay 127.0.0.1:" + port + " -> 127.0.0.1:"), text);
        assertTrue(text.contains("up   10mbit/5ms/q=128k") && text.contains("down 20mbit/5ms"), text);
        assertEquals(4, text.lines().filter(l -> l.startsWith("  up   in")).count(), text);
        assertTrue(text.contains("total up   DirectionStats[packetsIn="), text);
        assertTrue(text.contains("packetsDelivered="), text);
    }

    @Test
    void explainsBadArgumentsAndExitsWithTwo() {
        assertEquals(2, run("--target", "127.0.0.1:9", "--up", "40mbps"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("'mbps' is ambiguous"), err::toString);
        err.reset();
        assertEquals(2, run("--up", "40mbit"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--target"), err::toString);
        err.reset();
        assertEquals(2, run("--target", "127.0.0.1:9", "--schedule", "cut5s", "--duration", "1ms"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("expected action@time"), err::toString);
        err.reset();
        assertEquals(2, run("--target", "::1:9"));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("brackets"), err::toString);
    }

    @Test
    void printsHelp() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("--target=HOST:PORT"), out::toString);
    }
}
