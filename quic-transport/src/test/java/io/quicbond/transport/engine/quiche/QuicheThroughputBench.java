package io.quicbond.transport.engine.quiche;

import io.quicbond.transport.engine.LinkStats;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.kwik.KwikEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Loopback throughput of one connection with one stream, client to server, in one JVM: raw quiche (BBR, CUBIC)
 * against raw kwik. Prints figures and asserts nothing about speed. Not a default test (the name does not end in
 * Test): run it with {@code -Dtest=QuicheThroughputBench}; {@code -Dbench.mb=300 -Dbench.rounds=1} set the size
 * and repetitions, {@code -Dbench.engines=bbr,cubic,kwik} the engines ({@code bbr-nio}, {@code cubic-nio}
 * force NIO).
 */
class QuicheThroughputBench {

    @Test
    void measure() throws Exception {
        long bytes = Long.getLong("bench.mb", 300) * 1_000_000L;
        int rounds = Integer.getInteger("bench.rounds", 1);
        String[] engines = System.getProperty("bench.engines", "bbr,cubic,kwik").split(",");
        List<String> lines = new ArrayList<>();
        for (int round = 1; round <= rounds; round++) {
            for (String name : engines) {
                lines.add(String.format("round %d  %-10s %s", round, name, run(name.trim(), bytes)));
                System.out.println(lines.getLast());
            }
        }
        System.out.println("== one connection, one stream, client to server, " + bytes / 1_000_000 + " MB ==");
        lines.forEach(System.out::println);
    }

    public static void main(String[] args) throws Exception {
        new QuicheThroughputBench().measure();
    }

    private static String run(String name, long bytes) throws Exception {
        QuicEngine server;
        QuicEngine client;
        switch (name) {
            case "kwik" -> {
                server = new KwikEngine();
                client = server;
            }
            case "bbr", "cubic", "reno", "bbr-nio", "cubic-nio", "reno-nio" -> {
                CongestionControl cc = CongestionControl.valueOf(name.replace("-nio", "").toUpperCase());
                boolean epoll = !name.endsWith("-nio");
                server = new QuicheEngine(cc, epoll);
                client = new QuicheEngine(cc, epoll);
            }
            default -> throw new IllegalArgumentException("unknown engine " + name);
        }
        try (EngineFixture pair = new EngineFixture(server, client)) {
            LinkStream stream = pair.client.openStream();
            long started = System.nanoTime();
            CompletableFuture<byte[]> sent = EngineFixture.writeAsync(stream.output(), bytes, 5);
            LinkStream atServer = pair.serverStreams.poll(10, TimeUnit.SECONDS);
            EngineFixture.Digest got = EngineFixture.readAsync(atServer.input()).get(600, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - started) / 1e9;
            if (got.bytes() != bytes || !java.util.Arrays.equals(got.sha256(), sent.get())) {
                return "CORRUPT: " + got.bytes() + " bytes";
            }
            LinkStats s = pair.client.stats();
            String transport = client instanceof QuicheEngine q ? q.ioTransport() : "-";
            return String.format("%7.1f MB/s  (%5.1f s, io %s, srtt %d us, lost %d of %d packets, cwnd %d B)",
                    bytes / 1e6 / seconds, seconds, transport, s.srttMicros(), s.packetsLost(), s.packetsSent(), s.cwndBytes());
        } finally {
            if (server instanceof QuicheEngine q) {
                q.close();
            }
            if (client instanceof QuicheEngine q && client != server) {
                q.close();
            }
        }
    }
}
