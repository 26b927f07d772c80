package io.quicbond.interop.emulator.ip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.interop.emulator.LinkProfile;
import io.quicbond.interop.emulator.ip.NetnsLinks.Shell;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures one link of a {@link NetnsLinks} with ordinary tools, from the namespaces' side: one-way delay as half
 * the median of 20 pings (idle link), and rate as what an iperf3 UDP stream offered at 1.5 times the link's rate
 * delivers, counted in IP bytes (iperf3's payload plus 28 bytes of UDP and IP header per packet), so that it
 * compares with the setting. Needs iperf3 and ping. Called from one thread at a time.
 */
public final class NetnsLinkCheck {
    /** iperf3 UDP payload: 1372 + 8 + 20 = 1400-byte IP packets, below the links' MTU. */
    static final int UDP_PAYLOAD = 1372;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RTT = Pattern.compile("time=([0-9.]+) ms");

    /**
     * @param setRateMbit    the link's up rate setting
     * @param rateMbit       measured IP-level rate through the link, client to server
     * @param setDelayMs     the one-way delay setting (up and down averaged)
     * @param oneWayDelayMs  measured: median ping RTT / 2
     */
    public record Measurement(int link, double setRateMbit, double rateMbit, double setDelayMs, double oneWayDelayMs) {
        public double rateError() {
            return rateMbit / setRateMbit - 1;
        }

        public double delayErrorMs() {
            return oneWayDelayMs - setDelayMs;
        }
    }

    private NetnsLinkCheck() {
    }

    /** Why the check cannot run here (a tool missing), or null. */
    public static String unavailableReason() {
        for (String tool : List.of("iperf3", "ping")) {
            if (!Shell.onPath(tool)) {
                return tool + " is not installed";
            }
        }
        return null;
    }

    /**
     * Measures link {@code link} (from 1) for about {@code seconds} + 2 s.
     *
     * @throws IOException when a tool fails or its output cannot be read
     */
    public static Measurement measure(NetnsLinks n, int link, int seconds, int iperfPort)
            throws IOException, InterruptedException {
        LinkProfile up = n.specs().get(link - 1).up();
        LinkProfile down = n.specs().get(link - 1).down();
        double setDelay = (up.delay().toNanos() + down.delay().toNanos()) / 2e6;
        double delay = medianRttMs(n, link) / 2;
        double setRate = up.bitsPerSecond() / 1e6;
        double rate = setRate > 0 ? udpRateMbit(n, link, setRate * 1.5, seconds, iperfPort) : Double.NaN;
        return new Measurement(link, setRate, rate, setDelay, delay);
    }

    static double medianRttMs(NetnsLinks n, int link) throws IOException {
        String out = Shell.output("ip", "netns", "exec", n.clientNamespace(), "ping", "-n", "-c", "20", "-i", "0.05",
                "-I", n.clientAddress(link), n.serverAddress(link));
        List<Double> rtts = new ArrayList<>();
        Matcher m = RTT.matcher(out);
        while (m.find()) {
            rtts.add(Double.parseDouble(m.group(1)));
        }
        if (rtts.isEmpty()) {
            throw new IOException("no ping answer through link " + link + ": " + out);
        }
        rtts.sort(null);
        return rtts.get(rtts.size() / 2);
    }

    static double udpRateMbit(NetnsLinks n, int link, double offerMbit, int seconds, int port)
            throws IOException, InterruptedException {
        Process server = new ProcessBuilder(NetnsLinks.inNamespace(n.serverNamespace(), List.of("iperf3", "-s", "-1",
                "-J", "-B", n.serverAddress(link), "-p", Integer.toString(port)))).redirectErrorStream(true).start();
        try {
            Thread.sleep(500);
            Shell.output("ip", "netns", "exec", n.clientNamespace(), "iperf3", "-c", n.serverAddress(link), "-B",
                    n.clientAddress(link), "-p", Integer.toString(port), "-u", "-b",
                    String.format(java.util.Locale.ROOT, "%.0f", offerMbit * 1e6), "-l",
                    Integer.toString(UDP_PAYLOAD), "-t", Integer.toString(seconds), "-w", "2M", "-J");
            byte[] json = server.getInputStream().readAllBytes();
            server.waitFor(10, TimeUnit.SECONDS);
            JsonNode root = JSON.readTree(new String(json, StandardCharsets.UTF_8));
            // The receiver's per-interval figures, leaving out the first second (queue filling, start-up).
            long bytes = 0;
            double secondsCounted = 0;
            for (JsonNode interval : root.path("intervals")) {
                JsonNode sum = interval.path("sum");
                if (sum.path("start").asDouble() < 1.0) {
                    continue;
                }
                bytes += sum.path("bytes").asLong();
                secondsCounted += sum.path("seconds").asDouble();
            }
            if (secondsCounted <= 0) {
                throw new IOException("iperf3 reported no intervals: " + new String(json, StandardCharsets.UTF_8));
            }
            double packets = (double) bytes / UDP_PAYLOAD;
            return (bytes + packets * 28) * 8 / secondsCounted / 1e6;
        } finally {
            if (server.isAlive()) {
                server.destroy();
                server.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
