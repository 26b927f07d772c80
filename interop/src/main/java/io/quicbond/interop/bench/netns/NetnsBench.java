package io.quicbond.interop.bench.netns;

import io.quicbond.interop.emulator.EmulatedLinks;
import io.quicbond.interop.emulator.EmulatedLinks.LinkSpec;
import io.quicbond.interop.emulator.LinkEmulator.Direction;
import io.quicbond.interop.emulator.ip.NetnsLinks;
import io.quicbond.interop.emulator.ip.NetnsLinks.Shell;
import io.quicbond.interop.emulator.ip.TunLink;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's {@code netns} scenario group: plain TCP on the best link, kernel MPTCP and quicbond over the same
 * emulated IP links ({@link NetnsLinks}) in one run. Scenarios (issue 4): three mixed links clean, with 1 % loss on
 * the best and on the slowest; two equal links; failover (best link blackholed at 40 % of the transfer); flap
 * (blackholed 5 s, then restored); redundant UDP over three 2 %-loss links; latency of small UDP probes under a bulk
 * TCP upload. One topology and one quicbond client/server pair per link count and engine serve all runs; between
 * runs the links get the next scenario's profiles and every quicbond uplink must be up again. Beside the bond, the
 * bulk and latency scenarios run {@link #VLESS_MPTCP}: our own client and server in compat mode, VLESS over kernel
 * MPTCP, on the same links.
 *
 * <p>Called from one thread; progress goes to the given writer. Root only: {@link #unavailableReason()}.
 */
public final class NetnsBench {
    /** The mixed links: best, middle, slowest. */
    static final String MIXED = "lte=40mbit/20ms,dsl=20mbit/50ms,sat=10mbit/100ms";
    static final Pattern SUBFLOWS = Pattern.compile("subflows:(\\d+)");
    /** Our bond-client and bond-server in compat mode: VLESS over kernel MPTCP, through the same forwards. */
    static final String VLESS_MPTCP = "vless-mptcp";
    /** The server's engine in VLESS mode (its bond listener stays idle). */
    private static final String VLESS_SERVER_ENGINE = "kwik";

    enum Kind { BULK, FAILOVER, FLAP, REDUNDANT, LATENCY }

    /** One scenario: its links (as for the link emulator) and the systems it compares. */
    record Scenario(String id, String title, String links, Kind kind, List<String> systems) {
        int linkCount() {
            return EmulatedLinks.parse(links).size();
        }
    }

    /**
     * Settings.
     *
     * @param seconds       length of each bulk transfer (failover and flap scale their timings to it)
     * @param udpSeconds    length of the redundant stream
     * @param engines       quicbond's QUIC engines to run
     * @param javaCommand   java, options and class path for the quicbond JVMs
     */
    public record Options(int runs, double seconds, double udpSeconds, List<String> engines, List<String> javaCommand,
                          String prefix, String subnet, List<String> onlyScenarios, List<String> onlySystems) {
    }

    private final Options options;
    private final Path dir;
    private final PrintWriter log;
    private final NetnsReport report;

    public NetnsBench(Options options, Path dir, PrintWriter log) {
        this.options = options;
        this.dir = dir;
        this.log = log;
        this.report = new NetnsReport(options, dir);
    }

    /** Why this cannot run here, or null: root, TUN devices, ip, iperf3, mptcpize. */
    public static String unavailableReason() {
        String why = NetnsLinks.unavailableReason();
        if (why != null) {
            return why;
        }
        for (String tool : List.of("iperf3", "mptcpize", "nstat", "ss")) {
            if (!Shell.onPath(tool)) {
                return tool + " is not installed (apt-get install -y iperf3 mptcpd iproute2)";
            }
        }
        return null;
    }

    List<Scenario> scenarios() {
        List<String> systems = new ArrayList<>(List.of("tcp", "mptcp"));
        for (String engine : options.engines()) {
            systems.add(quicbond(engine));
        }
        systems.add(VLESS_MPTCP);
        String lossBest = "lte=40mbit/20ms/1%,dsl=20mbit/50ms,sat=10mbit/100ms";
        String lossSlowest = "lte=40mbit/20ms,dsl=20mbit/50ms,sat=10mbit/100ms/1%";
        String lossy = "lte=40mbit/20ms/2%,dsl=20mbit/50ms/2%,sat=10mbit/100ms/2%";
        List<String> udpSystems = new ArrayList<>(List.of("udp"));
        for (String engine : options.engines()) {
            udpSystems.add(quicbond(engine));
        }
        List<Scenario> all = List.of(
                new Scenario("mixed-clean", "3 mixed links 40/20/10 Mbit/s, 20/50/100 ms", MIXED, Kind.BULK, systems),
                new Scenario("mixed-loss-best", "3 mixed links, 1 % loss on the best", lossBest, Kind.BULK, systems),
                new Scenario("mixed-loss-slowest", "3 mixed links, 1 % loss on the slowest", lossSlowest, Kind.BULK,
                        systems),
                new Scenario("failover", "3 mixed links, best blackholed at 40 % of the transfer", MIXED,
                        Kind.FAILOVER, systems),
                new Scenario("flap", "3 mixed links, best blackholed for 5 s, then restored", MIXED, Kind.FLAP,
                        systems),
                new Scenario("latency", "3 mixed links, UDP probes (20/s, 100 B) during a bulk TCP upload", MIXED,
                        Kind.LATENCY, systems),
                new Scenario("redundant", "3 mixed links each 2 % loss, UDP 200 packets/s of 200 B", lossy,
                        Kind.REDUNDANT, udpSystems),
                new Scenario("equal-2", "2 equal links 20 Mbit/s, 20 ms", "a=20mbit/20ms,b=20mbit/20ms", Kind.BULK,
                        systems));
        if (options.onlySystems() != null && !options.onlySystems().isEmpty()) {
            all = all.stream().map(s -> new Scenario(s.id(), s.title(), s.links(), s.kind(),
                    s.systems().stream().filter(options.onlySystems()::contains).toList()))
                    .filter(s -> !s.systems().isEmpty()).toList();
        }
        if (options.onlyScenarios() == null || options.onlyScenarios().isEmpty()) {
            return all;
        }
        return all.stream().filter(s -> options.onlyScenarios().contains(s.id())).toList();
    }

    static String quicbond(String engine) {
        return "quicbond-" + engine;
    }

    /**
     * Runs every scenario and writes netns.json, netns.md and the PNG charts into the results folder.
     *
     * @return true when every run of every system moved bytes without an error
     */
    public boolean run() throws IOException, InterruptedException {
        List<Scenario> scenarios = scenarios();
        if (scenarios.isEmpty()) {
            throw new IllegalArgumentException("no scenario left to run: check --netns-only and --netns-systems");
        }
        log.printf("netns: %d scenario(s) x %d run(s), %.0f s transfers; systems per scenario: %s%n",
                scenarios.size(), options.runs(), options.seconds(), scenarios.getFirst().systems());
        NetnsLinks links = null;
        Map<String, QuicbondPair> pairs = new LinkedHashMap<>();
        try {
            for (Scenario s : scenarios) {
                List<LinkSpec> specs = EmulatedLinks.parse(s.links());
                if (links == null || links.links().size() != specs.size()) {
                    closeAll(pairs);
                    if (links != null) {
                        links.close();
                    }
                    log.printf("netns: building %d links in %s-c / %s-s%n", specs.size(), options.prefix(),
                            options.prefix());
                    links = NetnsLinks.start(options.prefix(), options.subnet(), specs);
                    for (String ns : List.of(links.clientNamespace(), links.serverNamespace())) {
                        // Each run starts fresh: no cached ssthresh or RTT from the previous one.
                        Shell.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.tcp_no_metrics_save=1");
                    }
                    links.addMptcpSubflowEndpoints();
                    report.setKernelCongestionControl(Shell.output("ip", "netns", "exec", links.clientNamespace(),
                            "sysctl", "-n", "net.ipv4.tcp_congestion_control").trim());
                    log.print(links.describe());
                }
                applyProfiles(links, specs);
                for (int run = 1; run <= options.runs(); run++) {
                    for (String system : s.systems()) {
                        QuicbondPair pair = null;
                        if (system.startsWith("quicbond-") || system.equals(VLESS_MPTCP)) {
                            pair = pair(pairs, links, system);
                        }
                        log.printf("[%s %s %d/%d] %s%n", s.id(), system, run, options.runs(), s.title());
                        NetnsReport.RunResult r;
                        try {
                            r = runOnce(s, system, run, links, specs, pair);
                        } catch (IOException e) {
                            r = NetnsReport.RunResult.failed(s.id(), system, run, e.getMessage());
                        }
                        log.printf("[%s %s %d/%d] %s%n", s.id(), system, run, options.runs(), r.summary());
                        report.add(s, r);
                    }
                }
            }
        } finally {
            closeAll(pairs);
            if (links != null) {
                links.close();
            }
        }
        report.write(log);
        return report.allMovedBytes();
    }

    private QuicbondPair pair(Map<String, QuicbondPair> pairs, NetnsLinks links, String system)
            throws IOException, InterruptedException {
        QuicbondPair pair = pairs.get(system);
        if (pair == null) {
            boolean vless = system.equals(VLESS_MPTCP);
            String engine = vless ? VLESS_SERVER_ENGINE : system.substring("quicbond-".length());
            if (vless) {
                log.printf("netns: starting bond-server and bond-client in VLESS-over-MPTCP mode over %d links%n",
                        links.links().size());
            } else {
                log.printf("netns: starting bond-server (%s) and bond-client with %d uplinks%n", engine,
                        links.links().size());
            }
            pair = QuicbondPair.start(links, engine, vless, dir.resolve(system + "-" + links.links().size()),
                    options.javaCommand(), Duration.ofSeconds(60));
            pairs.put(system, pair);
        }
        return pair;
    }

    private static void closeAll(Map<String, QuicbondPair> pairs) {
        pairs.values().forEach(QuicbondPair::close);
        pairs.clear();
    }

    private static void applyProfiles(NetnsLinks links, List<LinkSpec> specs) {
        for (int i = 0; i < specs.size(); i++) {
            TunLink l = links.links().get(i);
            l.restore();
            l.setProfile(Direction.UP, specs.get(i).up());
            l.setProfile(Direction.DOWN, specs.get(i).down());
        }
    }

    private NetnsReport.RunResult runOnce(Scenario s, String system, int run, NetnsLinks links, List<LinkSpec> specs,
                                         QuicbondPair pair) throws IOException, InterruptedException {
        applyProfiles(links, specs);
        if (pair != null) {
            pair.awaitUplinks(Duration.ofSeconds(30));
        }
        Path logFile = dir.resolve(s.id() + "-" + system + "-" + run + ".log");
        return switch (s.kind()) {
            case BULK, FAILOVER, FLAP -> bulk(s, system, run, links, specs, pair, logFile);
            case LATENCY -> latency(s, system, run, links, pair, logFile);
            case REDUNDANT -> redundant(s, system, run, links, pair, logFile);
        };
    }

    private NetnsReport.RunResult bulk(Scenario s, String system, int run, NetnsLinks links, List<LinkSpec> specs,
                                       QuicbondPair pair, Path logFile) throws IOException, InterruptedException {
        double seconds = options.seconds();
        boolean mptcp = system.equals("mptcp");
        // Kernel MPTCP carries it: count its connections and subflows.
        boolean kernelMptcp = mptcp || system.equals(VLESS_MPTCP);
        LinkSampler sampler = new LinkSampler(links);
        // Failover: cut at 40 % (8 s of 20 s) for good. Flap: cut at 25 %, restored 5 s later (at most 40 % of it).
        double cutAt = s.kind() == Kind.FAILOVER ? 0.4 * seconds : 0.25 * seconds;
        double outage = Math.min(5.0, 0.4 * seconds);
        if (s.kind() == Kind.FAILOVER) {
            sampler.cutAfterStart(0, cutAt, Double.NaN);
        } else if (s.kind() == Kind.FLAP) {
            sampler.cutAfterStart(0, cutAt, cutAt + outage);
        }
        long joinsBefore = kernelMptcp ? nstat(links.serverNamespace(), "MPTcpExtMPJoinAckRx") : 0;
        long capableBefore = kernelMptcp ? nstat(links.serverNamespace(), "MPTcpExtMPCapableSYNRX") : 0;
        Iperf server;
        Iperf.Report rep;
        int[] subflowsSeen = {0};
        Thread ssProbe = null;
        sampler.start();
        try {
            if (pair != null) {
                server = Iperf.startServer(links.serverNamespace(), links.clientNamespace(), "127.0.0.1",
                        QuicbondPair.IPERF_PORT, false, logFile);
            } else {
                server = Iperf.startServer(links.serverNamespace(), links.clientNamespace(), links.serverAddress(1),
                        5201, mptcp, logFile);
            }
            if (kernelMptcp) {
                ssProbe = Thread.ofVirtual().start(() -> subflowsSeen[0] = watchSubflows(links, seconds, logFile));
            }
            rep = pair != null ? server.runClient("127.0.0.1", null, pair.tcpForward(), seconds, logFile)
                    : server.runClient(links.serverAddress(1), links.clientAddress(1), 5201, seconds, logFile);
        } finally {
            sampler.stop();
            applyProfiles(links, specs);
        }
        if (ssProbe != null) {
            ssProbe.join(5000);
        }
        if (rep.error() != null && s.kind() == Kind.FAILOVER && system.equals("tcp") && rep.receivedBytes() > 0) {
            // Plain TCP on the best link dies with it: that is the finding, not a failure of the benchmark.
            rep = new Iperf.Report(rep.intervalBytes(), rep.sentBytes(), rep.receivedBytes(), rep.mbit(), null);
        }
        NetnsReport.RunResult r = NetnsReport.RunResult.bulk(s.id(), system, run, rep, sampler.series(),
                sampler.startOffsetSeconds(), specs);
        if (kernelMptcp) {
            long joins = nstat(links.serverNamespace(), "MPTcpExtMPJoinAckRx") - joinsBefore;
            long capable = nstat(links.serverNamespace(), "MPTcpExtMPCapableSYNRX") - capableBefore;
            r = r.withMptcp(capable, joins, subflowsSeen[0]);
        }
        if (s.kind() == Kind.FAILOVER) {
            r = r.withFailover(cutAt);
        } else if (s.kind() == Kind.FLAP) {
            r = r.withFlap(cutAt, cutAt + outage, specs.getFirst().up().bitsPerSecond());
        }
        return r;
    }

    /** Polls {@code ss -Mti} in the client namespace during the transfer; returns the most subflows seen. */
    private static int watchSubflows(NetnsLinks links, double seconds, Path logFile) {
        int most = 0;
        try {
            Thread.sleep((long) (Math.min(3, seconds / 2) * 1000));
            String ss = Shell.output("ip", "netns", "exec", links.clientNamespace(), "ss", "-Mti");
            Files.writeString(logFile, "--- ss -Mti in " + links.clientNamespace() + "\n" + ss + "\n",
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Matcher m = SUBFLOWS.matcher(ss);
            while (m.find()) {
                most = Math.max(most, Integer.parseInt(m.group(1)));
            }
        } catch (IOException | InterruptedException e) {
            return most;
        }
        // ss counts the subflows beyond the first.
        return most + 1;
    }

    /** One kernel counter in a namespace (absolute value; 0 when absent). */
    static long nstat(String ns, String counter) throws IOException {
        String out = Shell.output("ip", "netns", "exec", ns, "nstat", "-asz", counter);
        for (String line : out.lines().toList()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 2 && f[0].equals(counter)) {
                return Long.parseLong(f[1]);
            }
        }
        return 0;
    }

    private NetnsReport.RunResult latency(Scenario s, String system, int run, NetnsLinks links, QuicbondPair pair,
                                          Path logFile) throws IOException, InterruptedException {
        boolean viaBond = pair != null;
        InetSocketAddress listen = viaBond ? new InetSocketAddress("127.0.0.1", QuicbondPair.UDP_AGGREGATE_TARGET)
                : new InetSocketAddress(links.serverAddress(1), QuicbondPair.UDP_AGGREGATE_TARGET);
        InetSocketAddress to = viaBond ? new InetSocketAddress("127.0.0.1", pair.udpForwardAggregate()) : listen;
        InetSocketAddress bind = viaBond ? null : new InetSocketAddress(links.clientAddress(1), 0);
        int perSecond = 20;
        try (UdpProbes probes = new UdpProbes(links.clientNamespace(), bind, to, links.serverNamespace(), listen)) {
            probes.send(10, perSecond, 100);
            Thread.sleep(500);
            long idleFrom = probes.startMeasuring();
            int idleCount = (int) Math.max(20, perSecond * Math.min(5, options.seconds() / 2));
            probes.send(idleCount, perSecond, 100);
            UdpProbes.Result idle = probes.result(idleFrom, probes.nextSeq(), 500);
            probes.reset();
            boolean mptcp = system.equals("mptcp");
            Iperf server = viaBond
                    ? Iperf.startServer(links.serverNamespace(), links.clientNamespace(), "127.0.0.1",
                    QuicbondPair.IPERF_PORT, false, logFile)
                    : Iperf.startServer(links.serverNamespace(), links.clientNamespace(), links.serverAddress(1), 5201,
                    mptcp, logFile);
            double seconds = options.seconds();
            Thread bulk = Thread.ofVirtual().start(() -> {
                try {
                    if (viaBond) {
                        server.runClient("127.0.0.1", null, pair.tcpForward(), seconds, logFile);
                    } else {
                        server.runClient(links.serverAddress(1), links.clientAddress(1), 5201, seconds, logFile);
                    }
                } catch (IOException | InterruptedException e) {
                    // the probes' figures say what happened
                }
            });
            // Probe the middle of the transfer: after slow start, before the end.
            Thread.sleep((long) (Math.min(2, seconds / 4) * 1000));
            long loadedFrom = probes.startMeasuring();
            int loadedCount = (int) Math.max(20, perSecond * seconds / 2);
            probes.send(loadedCount, perSecond, 100);
            UdpProbes.Result loaded = probes.result(loadedFrom, probes.nextSeq(), 1000);
            bulk.join((long) (seconds + 60) * 1000);
            return NetnsReport.RunResult.latency(s.id(), system, run, idle, loaded);
        }
    }

    private NetnsReport.RunResult redundant(Scenario s, String system, int run, NetnsLinks links, QuicbondPair pair,
                                            Path logFile) throws IOException, InterruptedException {
        boolean viaBond = system.startsWith("quicbond-");
        InetSocketAddress listen = viaBond ? new InetSocketAddress("127.0.0.1", QuicbondPair.UDP_REDUNDANT_TARGET)
                : new InetSocketAddress(links.serverAddress(1), QuicbondPair.UDP_REDUNDANT_TARGET);
        // The pair's own forward: each engine's pair listens at its own offset (a kwik run sent to quiche's port
        // and reported 100 % loss until this was the pair's).
        InetSocketAddress to = viaBond ? new InetSocketAddress("127.0.0.1", pair.udpForwardRedundant()) : listen;
        InetSocketAddress bind = viaBond ? null : new InetSocketAddress(links.clientAddress(1), 0);
        int perSecond = 200;
        try (UdpProbes probes = new UdpProbes(links.clientNamespace(), bind, to, links.serverNamespace(), listen)) {
            // Opens the bond's UDP flow; not counted.
            probes.send(20, perSecond, 200);
            Thread.sleep(500);
            long from = probes.startMeasuring();
            probes.send((int) (perSecond * options.udpSeconds()), perSecond, 200);
            UdpProbes.Result r = probes.result(from, probes.nextSeq(), 1000);
            return NetnsReport.RunResult.redundant(s.id(), system, run, r);
        }
    }
}
