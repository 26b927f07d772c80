package io.quicbond.interop.bench.netns;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quicbond.interop.bench.netns.NetnsBench.Kind;
import io.quicbond.interop.bench.netns.NetnsBench.Scenario;
import io.quicbond.interop.emulator.EmulatedLinks.LinkSpec;
import io.quicbond.interop.matrix.InteropMatrix;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Collects the netns runs and writes netns.json, netns.md, the PNG charts and the peer matrix rows. Called from
 * the benchmark's thread only.
 */
final class NetnsReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One run of one system in one scenario: its figures by name, plus the time series the charts need. */
    static final class RunResult {
        final String scenario;
        final String system;
        final int run;
        final String error;
        final Map<String, Object> metrics = new LinkedHashMap<>();
        List<Long> intervalBytes = List.of();
        LinkSampler.Series series;
        double startOffset = Double.NaN;

        RunResult(String scenario, String system, int run, String error) {
            this.scenario = scenario;
            this.system = system;
            this.run = run;
            this.error = error;
        }

        static RunResult failed(String scenario, String system, int run, String error) {
            return new RunResult(scenario, system, run, Objects.requireNonNullElse(error, "failed"));
        }

        static RunResult bulk(String scenario, String system, int run, Iperf.Report rep, LinkSampler.Series series,
                              double startOffset, List<LinkSpec> specs) {
            RunResult r = new RunResult(scenario, system, run, rep.error());
            r.intervalBytes = rep.intervalBytes();
            r.series = series;
            r.startOffset = startOffset;
            r.metrics.put("mbit", round(rep.mbit()));
            r.metrics.put("sentBytes", rep.sentBytes());
            r.metrics.put("receivedBytes", rep.receivedBytes());
            Map<String, Double> perLink = new LinkedHashMap<>();
            if (!series.times().isEmpty()) {
                long[] first = series.upBytes().getFirst();
                long[] last = series.upBytes().getLast();
                for (int i = 0; i < first.length; i++) {
                    perLink.put(series.linkNames().get(i), round((last[i] - first[i]) / 1e6));
                }
            }
            r.metrics.put("upMBPerLink", perLink);
            r.metrics.put("longestGapMs", longestGapMs(rep.intervalBytes()));
            return r;
        }

        RunResult withMptcp(long capable, long joins, int subflowsSeen) {
            metrics.put("mptcpConnections", capable);
            metrics.put("mptcpJoins", joins);
            // iperf3 opens two connections (control and data), each of which joins the extra links.
            metrics.put("mptcpSubflowsPerConnection", capable == 0 ? 0 : round(1 + (double) joins / capable));
            metrics.put("mptcpSubflowsSeenBySs", subflowsSeen);
            return this;
        }

        RunResult withFailover(double cutAt) {
            metrics.put("cutAtSeconds", cutAt);
            metrics.put("bytesNotDelivered", (long) metrics.get("sentBytes") - (long) metrics.get("receivedBytes"));
            metrics.put("secondsBackToFullRate", recovery(intervalBytes, cutAt));
            return this;
        }

        RunResult withFlap(double cutAt, double restoreAt, long bestBits) {
            metrics.put("cutAtSeconds", cutAt);
            metrics.put("restoreAtSeconds", restoreAt);
            metrics.put("secondsUntilLinkCarriesAgain", backOnLink(series, startOffset, restoreAt, bestBits));
            return this;
        }

        static RunResult latency(String scenario, String system, int run, UdpProbes.Result idle,
                                 UdpProbes.Result loaded) {
            RunResult r = new RunResult(scenario, system, run, loaded.received() == 0 ? "no probe arrived" : null);
            r.metrics.put("idleP50Ms", round(idle.percentileMs(50)));
            r.metrics.put("loadedP50Ms", round(loaded.percentileMs(50)));
            r.metrics.put("loadedP95Ms", round(loaded.percentileMs(95)));
            r.metrics.put("extraP50Ms", round(loaded.percentileMs(50) - idle.percentileMs(50)));
            r.metrics.put("extraP95Ms", round(loaded.percentileMs(95) - idle.percentileMs(50)));
            r.metrics.put("probeLoss", round(loaded.residualLoss()));
            return r;
        }

        static RunResult redundant(String scenario, String system, int run, UdpProbes.Result res) {
            RunResult r = new RunResult(scenario, system, run, res.received() == 0 ? "no packet arrived" : null);
            r.metrics.put("sent", res.sent());
            r.metrics.put("received", res.received());
            r.metrics.put("duplicates", res.duplicates());
            r.metrics.put("residualLossPercent", round(100 * res.residualLoss()));
            r.metrics.put("p50Ms", round(res.percentileMs(50)));
            r.metrics.put("p99Ms", round(res.percentileMs(99)));
            return r;
        }

        boolean movedBytes() {
            if (error != null) {
                return false;
            }
            Object received = metrics.getOrDefault("receivedBytes", metrics.get("received"));
            if (received == null) {
                received = metrics.get("loadedP50Ms") != null ? 1L : 0L;
            }
            return received instanceof Number n && n.doubleValue() > 0;
        }

        String summary() {
            if (error != null && metrics.isEmpty()) {
                return "FAILED: " + error;
            }
            return metrics.entrySet().stream().filter(e -> !(e.getValue() instanceof Map))
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
                    + (error != null ? " ERROR: " + error : "");
        }

        Map<String, Object> toJson(boolean withSeries) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("run", run);
            m.put("error", error);
            m.putAll(metrics);
            if (withSeries) {
                m.put("receiverBytesPer100ms", intervalBytes);
                if (series != null) {
                    m.put("transferStartSeconds", startOffset);
                    m.put("linkSampleTimes", series.times());
                    m.put("linkUpBytes", series.upBytes());
                }
            }
            return m;
        }
    }

    static Double round(double v) {
        return Double.isNaN(v) || Double.isInfinite(v) ? null : Math.round(v * 100) / 100.0;
    }

    /** Longest run of 100-ms receiver intervals with no byte, leaving out the last (usually partial) one. */
    static double longestGapMs(List<Long> intervals) {
        int longest = 0;
        int current = 0;
        for (int i = 0; i < intervals.size() - 1; i++) {
            current = intervals.get(i) == 0 ? current + 1 : 0;
            longest = Math.max(longest, current);
        }
        return Math.round(longest * Iperf.INTERVAL_SECONDS * 1000);
    }

    /**
     * Seconds from the cut until a 1 s window of the receiver's rate reaches 90 % of the rate of the transfer's
     * last quarter (what the surviving links carry); null when the last quarter carries under 5 % of what came
     * before the cut (the flow never came back). A 1 s window because multipath receivers deliver in bursts: a
     * chunk late on the slow link holds back what the fast links brought.
     */
    static Double recovery(List<Long> intervals, double cutAt) {
        int n = intervals.size() - 1;
        int cutIndex = (int) Math.round(cutAt / Iperf.INTERVAL_SECONDS);
        if (n < 8 || cutIndex >= n) {
            return null;
        }
        double before = mean(intervals, Math.min(10, cutIndex / 2), cutIndex);
        int window = 10;
        double after = mean(intervals, n - Math.max(window, (n - cutIndex) / 4), n);
        if (after < 0.05 * before) {
            return null;
        }
        for (int i = cutIndex; i + window <= n; i++) {
            if (mean(intervals, i, i + window) >= 0.9 * after) {
                return round((i + window) * Iperf.INTERVAL_SECONDS - cutAt);
            }
        }
        return null;
    }

    private static double mean(List<Long> v, int from, int to) {
        if (to <= from) {
            return 0;
        }
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v.get(i);
        }
        return s / (to - from);
    }

    /**
     * Seconds from the restore until link 1 delivers, in one 100-ms sample, at least 10 % of what its rate allows;
     * null if it never does before the transfer ends.
     */
    static Double backOnLink(LinkSampler.Series s, double startOffset, double restoreAt, long bits) {
        if (s == null || Double.isNaN(startOffset)) {
            return null;
        }
        double threshold = 0.1 * bits / 8 * LinkSampler.PERIOD_SECONDS;
        for (int k = 1; k < s.times().size(); k++) {
            double t = s.times().get(k) - startOffset;
            if (t < restoreAt) {
                continue;
            }
            if (s.upBytes().get(k)[0] - s.upBytes().get(k - 1)[0] >= threshold) {
                return round(t - restoreAt);
            }
        }
        return null;
    }

    private final NetnsBench.Options options;
    private final Path dir;
    private final String loadAtStart = io.quicbond.interop.bench.BenchCommand.loadAverage();
    private final Map<Scenario, List<RunResult>> results = new LinkedHashMap<>();

    private String kernelCongestionControl = "unknown";

    /** The kernel's TCP congestion control in the namespaces (plain TCP and every MPTCP subflow use it). */
    void setKernelCongestionControl(String name) {
        this.kernelCongestionControl = name;
    }

    NetnsReport(NetnsBench.Options options, Path dir) {
        this.options = options;
        this.dir = dir;
    }

    void add(Scenario s, RunResult r) {
        results.computeIfAbsent(s, k -> new ArrayList<>()).add(r);
    }

    boolean allMovedBytes() {
        return results.values().stream().flatMap(List::stream).allMatch(RunResult::movedBytes);
    }

    /** Median of a numeric metric over a system's runs in a scenario; null when no run has it. */
    Double median(Scenario s, String system, String metric) {
        List<Double> v = new ArrayList<>();
        for (RunResult r : results.getOrDefault(s, List.of())) {
            if (r.system.equals(system) && r.metrics.get(metric) instanceof Number n) {
                v.add(n.doubleValue());
            }
        }
        if (v.isEmpty()) {
            return null;
        }
        v.sort(null);
        int n = v.size();
        return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
    }

    /** Runs of a metric, e.g. "38.1 / 37.9 / 38.4"; "never" where a run has null, "!" marks a run with an error. */
    private String all(Scenario s, String system, String metric) {
        return results.getOrDefault(s, List.of()).stream().filter(r -> r.system.equals(system))
                .map(r -> (r.metrics.get(metric) instanceof Number n ? fmt(n.doubleValue()) : "never")
                        + (r.error != null ? "!" : ""))
                .collect(Collectors.joining(" / "));
    }

    private static String fmt(Double v) {
        if (v == null) {
            return "-";
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String fmtOrNever(Double v, boolean anyRun) {
        return v == null ? (anyRun ? "never" : "-") : fmt(v);
    }

    void write(PrintWriter log) throws IOException {
        String md = markdown();
        Files.writeString(dir.resolve("netns.md"), md);
        Files.writeString(dir.resolve("netns.json"), JSON.writeValueAsString(json()));
        List<Path> charts = new NetnsCharts(this).draw(dir);
        InteropMatrix matrix = InteropMatrix.at(dir);
        for (Map.Entry<Scenario, List<RunResult>> e : results.entrySet()) {
            Scenario s = e.getKey();
            for (String system : s.systems()) {
                List<RunResult> runs = e.getValue().stream().filter(r -> r.system.equals(system)).toList();
                if (runs.isEmpty()) {
                    continue;
                }
                boolean pass = runs.stream().allMatch(RunResult::movedBytes);
                matrix.record(peerName(system), "netns " + s.id(), pass, keyFigure(s, system));
            }
        }
        log.println();
        log.print(md);
        log.printf("%nwritten: %s, %s, %s, %s%n", dir.resolve("netns.md"), dir.resolve("netns.json"),
                charts.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", ")),
                dir.resolve("matrix.md"));
    }

    static String peerName(String system) {
        return switch (system) {
            case "tcp" -> "kernel TCP (best link)";
            case "mptcp" -> "kernel MPTCP (mptcpize iperf3)";
            case "udp" -> "plain UDP (best link)";
            case NetnsBench.VLESS_MPTCP -> "quicbond VLESS over MPTCP (ours both ends)";
            default -> system.replace("quicbond-", "quicbond (") + ")";
        };
    }

    private String keyFigure(Scenario s, String system) {
        return switch (s.kind()) {
            case BULK -> fmt(median(s, system, "mbit")) + " Mbit/s";
            case FAILOVER -> fmt(median(s, system, "mbit")) + " Mbit/s, gap " + fmt(median(s, system, "longestGapMs"))
                    + " ms";
            case FLAP -> "link back after " + fmtOrNever(median(s, system, "secondsUntilLinkCarriesAgain"), true) + " s";
            case LATENCY -> "+" + fmt(median(s, system, "extraP50Ms")) + " ms p50 under load";
            case REDUNDANT -> fmt(median(s, system, "residualLossPercent")) + " % residual loss";
        };
    }

    Map<Scenario, List<RunResult>> results() {
        return results;
    }

    private String markdown() {
        StringBuilder md = new StringBuilder("# bond-bench netns results\n\n");
        md.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- machine: ").append(io.quicbond.interop.bench.BenchCommand.machineDescription()).append('\n');
        md.append("- load average (1/5/15 min) at the start: ").append(loadAtStart).append(", at the end: ")
                .append(io.quicbond.interop.bench.BenchCommand.loadAverage()).append('\n');
        md.append(String.format(Locale.ROOT, "- %d run(s) per system and scenario, medians; bulk transfers %.0f s;"
                + " quicbond engines: %s%n", options.runs(), options.seconds(), String.join(", ", options.engines())));
        md.append("- links: IP-level emulator between namespaces (TUN devices; rates count IP bytes); plain TCP runs on"
                + " the best link only; kernel MPTCP via `mptcpize run iperf3`, one subflow endpoint per extra link;"
                + " quicbond via bond-server/bond-client JVMs, one uplink per link, iperf3 through a TCP forward;"
                + " VLESS over MPTCP: the same JVMs in compat mode (VLESS listener and client over kernel MPTCP,"
                + " same forwards and subflow endpoints)\n");
        md.append("- kernel TCP congestion control (plain TCP and MPTCP subflows): ").append(kernelCongestionControl)
                .append("\n\n");

        List<Scenario> throughput = results.keySet().stream()
                .filter(s -> s.kind() == Kind.BULK || s.kind() == Kind.FAILOVER || s.kind() == Kind.FLAP).toList();
        if (!throughput.isEmpty()) {
            List<String> systems = throughput.getFirst().systems();
            md.append("## Throughput (Mbit/s, receiver side, median)\n\n| scenario | ");
            md.append(systems.stream().map(NetnsReport::peerName).collect(Collectors.joining(" | "))).append(" |\n|---|");
            md.append("---:|".repeat(systems.size())).append('\n');
            for (Scenario s : throughput) {
                md.append("| ").append(s.title()).append(" | ");
                md.append(systems.stream().map(sys -> fmt(median(s, sys, "mbit")) + " (" + all(s, sys, "mbit") + ")")
                        .collect(Collectors.joining(" | "))).append(" |\n");
            }
            md.append("\nIn brackets: every run; \"!\" marks a run with an error. Kernel MPTCP subflows per connection"
                    + " (from the server namespace's MPTcpExtMPJoinAckRx / MPTcpExtMPCapableSYNRX counters): ");
            for (String sys : List.of("mptcp", NetnsBench.VLESS_MPTCP)) {
                if (systems.contains(sys)) {
                    md.append(peerName(sys)).append(": ").append(throughput.stream()
                            .map(s -> s.id() + " " + fmt(median(s, sys, "mptcpSubflowsPerConnection")))
                            .collect(Collectors.joining(", "))).append(". ");
                }
            }
            md.append("\n\n");
        }
        for (Scenario s : results.keySet()) {
            if (s.kind() == Kind.FAILOVER) {
                md.append("## Failover: ").append(s.title()).append("\n\n| system | Mbit/s | longest zero-delivery gap ms"
                        + " | bytes sent but not delivered | s back to full rate |\n|---|---:|---:|---:|---:|\n");
                for (String sys : s.systems()) {
                    md.append("| ").append(peerName(sys)).append(" | ").append(fmt(median(s, sys, "mbit")))
                            .append(" | ").append(fmt(median(s, sys, "longestGapMs"))).append(" (")
                            .append(all(s, sys, "longestGapMs")).append(") | ")
                            .append(fmt(median(s, sys, "bytesNotDelivered"))).append(" | ")
                            .append(fmtOrNever(median(s, sys, "secondsBackToFullRate"), true)).append(" (")
                            .append(all(s, sys, "secondsBackToFullRate")).append(") |\n");
                }
                md.append("\nFull rate: a 1-s window reaches 90 % of the rate over the transfer's last quarter; \"never\":"
                        + " the flow did not come back (or the transfer was too short to tell). Gap from iperf3's receiver-side 100-ms intervals.\n\n");
            } else if (s.kind() == Kind.FLAP) {
                md.append("## Flap: ").append(s.title()).append("\n\n| system | Mbit/s | longest zero-delivery gap ms"
                        + " | s until the link carries traffic again |\n|---|---:|---:|---:|\n");
                for (String sys : s.systems()) {
                    md.append("| ").append(peerName(sys)).append(" | ").append(fmt(median(s, sys, "mbit")))
                            .append(" | ").append(fmt(median(s, sys, "longestGapMs"))).append(" | ")
                            .append(fmtOrNever(median(s, sys, "secondsUntilLinkCarriesAgain"), true)).append(" (")
                            .append(all(s, sys, "secondsUntilLinkCarriesAgain")).append(") |\n");
                }
                md.append("\nCarries traffic again: the emulator's counter of the restored link shows at least 10 % of"
                        + " its rate in one 100-ms sample.\n\n");
            } else if (s.kind() == Kind.LATENCY) {
                md.append("## Latency under load: ").append(s.title()).append("\n\n| system | idle p50 ms | loaded p50"
                        + " ms | loaded p95 ms | extra p50 ms | extra p95 ms |\n|---|---:|---:|---:|---:|---:|\n");
                for (String sys : s.systems()) {
                    md.append("| ").append(peerName(sys)).append(" | ").append(fmt(median(s, sys, "idleP50Ms")))
                            .append(" | ").append(fmt(median(s, sys, "loadedP50Ms"))).append(" | ")
                            .append(fmt(median(s, sys, "loadedP95Ms"))).append(" | ")
                            .append(fmt(median(s, sys, "extraP50Ms"))).append(" | ")
                            .append(fmt(median(s, sys, "extraP95Ms"))).append(" |\n");
                }
                md.append("\nOne-way latency of the probes. TCP and MPTCP: probes as plain UDP on the best link,"
                        + " beside the bulk flow; quicbond: probes through the bond's UDP forward (aggregate policy),"
                        + " beside the bulk flow through its TCP forward.\n\n");
            } else if (s.kind() == Kind.REDUNDANT) {
                md.append("## Redundant: ").append(s.title()).append("\n\n| system | packets sent | residual loss %"
                        + " | duplicates at the receiver | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|\n");
                for (String sys : s.systems()) {
                    md.append("| ").append(peerName(sys)).append(" | ").append(fmt(median(s, sys, "sent")))
                            .append(" | ").append(fmt(median(s, sys, "residualLossPercent"))).append(" (")
                            .append(all(s, sys, "residualLossPercent")).append(") | ")
                            .append(fmt(median(s, sys, "duplicates"))).append(" | ")
                            .append(fmt(median(s, sys, "p50Ms"))).append(" | ")
                            .append(fmt(median(s, sys, "p99Ms"))).append(" |\n");
                }
                md.append("\nquicbond: a policy rule sends the stream's destination port redundant (every uplink);"
                        + " plain UDP: the best link alone. One-way latency, first copy.\n\n");
            }
        }
        return md.toString();
    }

    private Map<String, Object> json() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        root.put("machine", io.quicbond.interop.bench.BenchCommand.machineDescription());
        root.put("loadAverageAtStart", loadAtStart);
        root.put("loadAverageAtEnd", io.quicbond.interop.bench.BenchCommand.loadAverage());
        root.put("runs", options.runs());
        root.put("seconds", options.seconds());
        root.put("engines", options.engines());
        root.put("kernelCongestionControl", kernelCongestionControl);
        List<Map<String, Object>> scenarios = new ArrayList<>();
        for (Map.Entry<Scenario, List<RunResult>> e : results.entrySet()) {
            Scenario s = e.getKey();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id());
            m.put("title", s.title());
            m.put("links", s.links());
            Map<String, Object> systems = new LinkedHashMap<>();
            boolean withSeries = s.kind() == Kind.FAILOVER || s.kind() == Kind.FLAP;
            for (String sys : s.systems()) {
                systems.put(sys, e.getValue().stream().filter(r -> r.system.equals(sys)).map(r -> r.toJson(withSeries))
                        .toList());
            }
            m.put("systems", systems);
            scenarios.add(m);
        }
        root.put("scenarios", scenarios);
        return root;
    }
}
