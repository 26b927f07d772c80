package io.quicbond.interop.bench.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.interop.emulator.ip.NetnsLinks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * iperf3 in the namespaces: a one-shot server ({@code -s -1 -i 0.1 --forceflush}) whose lines give the receiver's
 * bytes per 100 ms, and a client whose JSON gives sent and received totals. With {@code mptcp}, both run under
 * {@code mptcpize run}, whose preloaded library makes their TCP sockets MPTCP sockets (iperf3 3.12 has no
 * {@code --mptcp}). Called from one thread.
 */
final class Iperf {
    static final double INTERVAL_SECONDS = 0.1;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A server interval line in KBytes, e.g. "[  5]   0.10-0.20   sec   488 KBytes  4880 KBytes/sec". */
    private static final Pattern INTERVAL_LINE =
            Pattern.compile("^\\[\\s*\\d+\\]\\s+[\\d.]+-[\\d.]+\\s+sec\\s+([\\d.]+) ([KMG]?)Bytes");

    /**
     * @param intervalBytes  bytes received per 100 ms, from the server's report
     * @param sentBytes      what the client wrote
     * @param receivedBytes  what the server received
     * @param mbit           the receiver's rate over the test
     */
    record Report(List<Long> intervalBytes, long sentBytes, long receivedBytes, double mbit, String error) {
    }

    private final Process server;
    private final CompletableFuture<String> serverOutput;
    private final String clientNs;
    private final boolean mptcp;

    private Iperf(Process server, String clientNs, boolean mptcp) {
        this.server = server;
        this.clientNs = clientNs;
        this.mptcp = mptcp;
        this.serverOutput = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> Thread.ofVirtual().start(r));
    }

    /** Starts the server in {@code serverNs}, listening on {@code bind}:{@code port}. */
    static Iperf startServer(String serverNs, String clientNs, String bind, int port, boolean mptcp, Path log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (mptcp) {
            cmd.addAll(List.of("mptcpize", "run"));
        }
        // Text, flushed per line, rather than JSON: a server whose client vanished with a cut link is killed, and
        // JSON would only be printed at the end.
        cmd.addAll(List.of("iperf3", "-s", "-1", "-f", "K", "--forceflush", "-i", Double.toString(INTERVAL_SECONDS),
                "-B", bind, "-p", Integer.toString(port)));
        Process p = ChildProcesses.track(new ProcessBuilder(NetnsLinks.inNamespace(serverNs, cmd))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        Iperf iperf = new Iperf(p, clientNs, mptcp);
        // iperf3 prints nothing until the test ends in JSON mode; give it a moment to listen.
        Thread.sleep(300);
        return iperf;
    }

    /**
     * Runs the client for {@code seconds} and returns both sides' figures.
     *
     * @param bind source address, or null
     */
    Report runClient(String host, String bind, int port, double seconds, Path log)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        if (mptcp) {
            cmd.addAll(List.of("mptcpize", "run"));
        }
        cmd.addAll(List.of("iperf3", "-c", host, "-p", Integer.toString(port), "-t", String.format(java.util.Locale.ROOT,
                "%.1f", seconds), "-J", "--connect-timeout", "15000"));
        if (bind != null) {
            cmd.addAll(List.of("-B", bind));
        }
        Process client = ChildProcesses.track(new ProcessBuilder(NetnsLinks.inNamespace(clientNs, cmd))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
        CompletableFuture<String> clientOutput = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }, r -> Thread.ofVirtual().start(r));
        // A client whose control connection died with its link would wait for the results for good.
        if (!client.waitFor((long) seconds + 8, TimeUnit.SECONDS)) {
            // Through the handle: Process.destroy() would also close our end of its output, losing what it printed.
            client.toHandle().destroy();
            if (!client.waitFor(3, TimeUnit.SECONDS)) {
                client.destroyForcibly();
            }
        }
        String clientJson = clientOutput.join();
        if (!server.waitFor(3, TimeUnit.SECONDS)) {
            server.toHandle().destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
        String serverText = serverOutput.join();
        Files.writeString(log, "--- iperf3 client\n" + clientJson + "\n--- iperf3 server\n" + serverText + "\n",
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        List<Long> intervals = List.of();
        long sent = 0;
        long received = 0;
        double mbit = Double.NaN;
        String error = null;
        try {
            intervals = parseIntervals(serverText, seconds);
            JsonNode c = JSON.readTree(clientJson);
            if (c.has("error")) {
                error = c.get("error").asText();
            }
            sent = c.path("end").path("sum_sent").path("bytes").asLong();
            received = c.path("end").path("sum_received").path("bytes").asLong();
            mbit = c.path("end").path("sum_received").path("bits_per_second").asDouble(Double.NaN) / 1e6;
            if (Double.isNaN(mbit) || received == 0) {
                // No report from the client (it was killed): the server's intervals say what arrived.
                received = intervals.stream().mapToLong(Long::longValue).sum();
                mbit = received * 8 / seconds / 1e6;
            }
        } catch (IOException | RuntimeException e) {
            error = "unreadable iperf3 output: " + e.getMessage();
        }
        return new Report(intervals, sent, received, mbit, error);
    }

    /**
     * The receiver's bytes per interval from iperf3's text output ({@code -f K}), up to the test's own length
     * (a server whose client vanished goes on reporting empty intervals) and before the summary; lines that do not
     * parse are skipped.
     */
    static List<Long> parseIntervals(String text, double seconds) {
        List<Long> intervals = new ArrayList<>();
        int wanted = (int) Math.ceil(seconds / INTERVAL_SECONDS);
        for (String line : text.lines().toList()) {
            if (line.startsWith("- - -")) {
                break;
            }
            Matcher m = INTERVAL_LINE.matcher(line);
            if (m.find() && intervals.size() < wanted) {
                double unit = switch (m.group(2)) {
                    case "K" -> 1024;
                    case "M" -> 1024 * 1024;
                    case "G" -> 1024 * 1024 * 1024;
                    default -> 1;
                };
                double value;
                try {
                    value = Double.parseDouble(m.group(1));
                } catch (NumberFormatException e) {
                    continue;
                }
                intervals.add(Math.round(value * unit));
            }
        }
        return intervals;
    }

    /** Stops a server whose client never came. */
    void stop() throws InterruptedException {
        if (server.isAlive()) {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
