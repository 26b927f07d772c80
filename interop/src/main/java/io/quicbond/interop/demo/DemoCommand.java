package io.quicbond.interop.demo;

import io.quicbond.interop.bench.BondFixture;
import io.quicbond.interop.bench.Check;
import io.quicbond.interop.bench.Duplex;
import io.quicbond.interop.bench.TrafficClient;
import io.quicbond.interop.bench.TrafficServer;
import io.quicbond.interop.bench.TransferResult;
import io.quicbond.interop.emulator.EmulatedLinks;
import io.quicbond.interop.emulator.LinkEmulator;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.session.BondClient;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.session.ClientStatus;
import io.quicbond.transport.session.SessionStatus;
import io.quicbond.transport.session.UplinkSpec;
import com.sun.management.HotSpotDiagnosticMXBean;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The local demo: a bond server, three emulated uplinks, a bond client and a local "internet" server, all in
 * this JVM on 127.0.0.1; a download and an upload through one bond flow each, one uplink cut for a while during
 * the download, live figures once a second and a summary (goodput against the links' rates, bytes lost by
 * SHA-256 at both ends, the longest delivery gap, uplink events, whether the cut uplink came back).
 *
 * <p>Runs on the calling thread plus a monitor, a cutter and the transport's own threads. Exit code 0; 1 if a
 * transfer broke off or its hashes differ, or the cut uplink never came back; 2 for bad options or a set-up
 * that failed.
 */
@Command(name = "bond-demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"A bond on this machine: three emulated uplinks, a download and an upload through it, one"
                + " uplink cut for a while, live figures each second and a summary.", "Needs no set-up and no root."})
public final class DemoCommand implements Callable<Integer> {
    static final String DEFAULT_LINKS = "lte=40mbit/20ms,dsl=20mbit/50ms,sat=10mbit/100ms";
    private static final Logger TRANSPORT_LOG = Logger.getLogger("io.quicbond");
    /** How long the demo waits, after the restore, for the cut uplink to carry data again. */
    private static final Duration COME_BACK_WAIT = Duration.ofSeconds(30);

    @Option(names = "--links", defaultValue = DEFAULT_LINKS, paramLabel = "SPEC",
            description = "Emulated uplinks, name=rate/delay[/loss][:down-profile],... (default: ${DEFAULT-VALUE}).")
    String links;

    @Option(names = "--size", defaultValue = "60", paramLabel = "MB",
            description = "Megabytes (10^6 bytes) to download, and then to upload (default: ${DEFAULT-VALUE}).")
    double sizeMb;

    @Option(names = "--cut", defaultValue = "lte", paramLabel = "NAME",
            description = "Uplink to cut during the download; 'none' for no cut (default: ${DEFAULT-VALUE}).")
    String cut;

    @Option(names = "--cut-at", defaultValue = "3", paramLabel = "S",
            description = "Seconds after the download starts (default: ${DEFAULT-VALUE}).")
    double cutAt;

    @Option(names = "--cut-for", defaultValue = "5", paramLabel = "S",
            description = "Seconds the uplink stays cut (default: ${DEFAULT-VALUE}).")
    double cutFor;

    @Option(names = "--engine", defaultValue = io.quicbond.transport.engine.QuicEngines.DEFAULT, paramLabel = "NAME",
            description = "QUIC engine at both ends: quiche (netty's QUIC codec, BBR; the default, as in the "
                    + "product) or kwik.")
    String engine;

    @Option(names = "--quiet", description = "No live lines; setup, events and the summary only.")
    boolean quiet;

    @Option(names = "--verbose", description = "Also print the transport's log (both ends' uplink events, at INFO and"
            + " above; FINE with --verbose --verbose) on stderr.")
    boolean[] verbose = new boolean[0];

    @Option(names = "--stall-timeout", defaultValue = "60", paramLabel = "S",
            description = "Give a transfer up when no byte has moved for this long (default: ${DEFAULT-VALUE}).")
    double stallTimeout;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter out;
    /** Time zero of every printed time: the download's start. Until then times print as "setup". */
    private volatile long t0 = System.nanoTime() + TimeUnit.HOURS.toNanos(1);
    private final List<Event> events = new ArrayList<>();
    private final List<StableSourceRelay> nats = new ArrayList<>();
    private volatile boolean closing;

    /** @param nanos System.nanoTime() when it happened */
    private record Event(long nanos, String message) {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }

    /** The whole demo with its output given; never calls System.exit. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new DemoCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("bond-demo failed: " + e);
            return 2;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        List<EmulatedLinks.LinkSpec> specs;
        try {
            specs = EmulatedLinks.parse(links);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--links: " + e.getMessage());
        }
        boolean cutting = !cut.equals("none");
        if (cutting && specs.stream().noneMatch(s -> s.name().equals(cut))) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--cut: no link named '" + cut + "' in "
                    + links + " (or 'none')");
        }
        if (sizeMb <= 0 || cutAt < 0 || cutFor <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size and --cut-for must be > 0, --cut-at >= 0");
        }
        long size = (long) (sizeMb * 1_000_000);
        double upSum = specs.stream().mapToDouble(s -> s.up().bitsPerSecond() / 1e6).sum();
        double downSum = specs.stream().mapToDouble(s -> s.down().bitsPerSecond() / 1e6).sum();
        // The transport logs each uplink event at INFO; the demo prints them itself.
        Level previousLevel = TRANSPORT_LOG.getLevel();
        boolean previousParents = TRANSPORT_LOG.getUseParentHandlers();
        Handler logHandler = verbose.length > 0 ? logTo(spec.commandLine().getErr()) : null;
        TRANSPORT_LOG.setLevel(verbose.length == 0 ? Level.WARNING : verbose.length == 1 ? Level.INFO : Level.FINE);
        if (logHandler != null) {
            TRANSPORT_LOG.addHandler(logHandler);
            TRANSPORT_LOG.setUseParentHandlers(false);
        }
        System.setProperty("quicbond.engine", engine);
        InetAddress loopback = InetAddress.getByAddress(new byte[]{127, 0, 0, 1});
        BondSettings settings = BondSettings.defaults();
        try (TrafficServer internet = TrafficServer.start(loopback);
             BondFixture.Server server = BondFixture.startServer(new InetSocketAddress(loopback, 0), settings);
             EmulatedLinks emulated = EmulatedLinks.start(server.address(), links);
             BondClient client = BondFixture.newClient(server.pin(), settings)) {
            out.printf("bond server    %s (%s), pin %s%n", show(server.address()), engine, server.pin());
            out.printf("\"internet\"     %s (a local TCP server that sinks uploads and sources downloads)%n",
                    show(internet.address()));
            for (EmulatedLinks.LinkSpec s : specs) {
                out.printf("uplink %-7s via emulator %s: up %s, down %s%n", s.name(),
                        show(emulated.get(s.name()).localAddress()), s.up(), s.down());
            }
            out.printf(Locale.ROOT, "links offer %.0f Mbit/s up, %.0f Mbit/s down in total; each uplink reaches its"
                    + " emulator through a NAT-like relay, so that a reconnected uplink (new source port) gets through%n",
                    upSum, downSum);
            client.addEventListener(this::event);
            for (EmulatedLinks.LinkSpec s : specs) {
                StableSourceRelay nat = new StableSourceRelay(new InetSocketAddress(loopback, 0),
                        emulated.get(s.name()).localAddress());
                nats.add(nat);
                client.addUplink(new UplinkSpec(s.name(), nat.address(), loopback, null, true));
            }
            if (!client.awaitUplinks(specs.size(), Duration.ofSeconds(20))) {
                out.println("not every uplink came up within 20 s: " + client.status());
                return 2;
            }
            Destination destination = Destination.of(loopback, internet.address().getPort());
            Monitor monitor = new Monitor(client, specs);
            out.printf(Locale.ROOT, "plan: download %.0f MB, then upload %.0f MB, one bond flow each%s%n", sizeMb, sizeMb,
                    cutting ? String.format(Locale.ROOT, "; cut %s %.1f s into the download for %.1f s", cut, cutAt, cutFor)
                            : "");
            if (!quiet) {
                out.println("live (Mbit/s; per uplink: state, ↑ client to server, ↓ server to client):");
            }
            t0 = System.nanoTime();
            Cutter cutter = cutting ? new Cutter(emulated.get(cut)) : null;
            Thread monitorThread = Thread.ofPlatform().daemon().name("demo-monitor").start(monitor::run);

            TransferResult download = transfer(client, destination, monitor, "download", size, 1);
            TransferResult upload = transfer(client, destination, monitor, "upload", size, 2);
            TransferResult check = null;
            if (cutter != null) {
                cutter.awaitRestore();
                if (!monitor.carriedSince(cut, cutter.restoredAt)) {
                    out.println("the cut uplink has carried no data since its restore yet; "
                            + "a short download checks that it does:");
                    long deadline = System.nanoTime() + COME_BACK_WAIT.toNanos();
                    while (!monitor.carriedSince(cut, cutter.restoredAt) && System.nanoTime() < deadline) {
                        check = transfer(client, destination, monitor, "check", Math.min(size, 4_000_000), 3);
                        if (!check.intact()) {
                            break;
                        }
                    }
                }
            }
            monitor.stop();
            monitorThread.join(2000);
            monitor.sample();
            int exit = summary(download, upload, check, cutter, monitor, upSum, downSum);
            emulatorCounters(emulated);
            // Closing the client ends every uplink; those events are not the demo's.
            closing = true;
            return exit;
        } finally {
            closing = true;
            nats.forEach(StableSourceRelay::close);
            TRANSPORT_LOG.setLevel(previousLevel);
            if (logHandler != null) {
                TRANSPORT_LOG.removeHandler(logHandler);
                TRANSPORT_LOG.setUseParentHandlers(previousParents);
            }
        }
    }

    private TransferResult transfer(BondClient client, Destination destination, Monitor monitor, String name,
                                    long size, long seed) {
        AtomicLong progress = new AtomicLong();
        transferStarts.put(name, now());
        monitor.current.set(new Monitor.Phase(name, progress));
        TcpFlow flow = null;
        Thread watchdog = null;
        try {
            flow = client.openTcp(destination);
            watchdog = watch(name, flow, progress);
            try (Duplex duplex = Duplex.of(flow)) {
                return name.equals("upload")
                        ? TrafficClient.upload(duplex, size, Check.SHA256, seed, null, progress)
                        : TrafficClient.download(duplex, size, Check.SHA256, seed, progress);
            }
        } catch (FlowOpenException e) {
            return new TransferResult(name.equals("upload") ? "up" : "down", size, 0, 0, 0, 0, null, null,
                    "could not open the flow: " + e.getMessage());
        } finally {
            if (watchdog != null) {
                watchdog.interrupt();
            }
            monitor.current.set(null);
        }
    }

    /**
     * Resets the flow when no byte has moved for {@code --stall-timeout}, after writing a thread dump (virtual
     * threads included) of this JVM, so that a stall ends the demo with evidence instead of hanging it.
     */
    private Thread watch(String name, TcpFlow flow, AtomicLong progress) {
        long limit = (long) (stallTimeout * 1e9);
        return Thread.ofVirtual().name("demo-watchdog-" + name).start(() -> {
            long last = -1;
            long since = System.nanoTime();
            try {
                while (true) {
                    Thread.sleep(200);
                    long p = progress.get();
                    long now = System.nanoTime();
                    if (p != last) {
                        last = p;
                        since = now;
                    } else if (now - since > limit) {
                        String dump = threadDump();
                        event(String.format(Locale.ROOT, "%s STALLED: no byte moved for %.0f s, flow reset; thread dump: %s",
                                name, stallTimeout, dump));
                        flow.reset(FlowError.TIMED_OUT);
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // the transfer ended
            }
        });
    }

    private static String threadDump() {
        try {
            Path file = Files.createTempDirectory("bond-demo-").resolve("threads.txt");
            ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class)
                    .dumpThreads(file.toString(), HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
            return file.toString();
        } catch (IOException | RuntimeException e) {
            return "not written (" + e + ")";
        }
    }

    private int summary(TransferResult download, TransferResult upload, TransferResult check, Cutter cutter,
                        Monitor monitor, double upSum, double downSum) {
        out.println();
        out.println("summary");
        boolean ok = true;
        ok &= goodput("download", download, downSum, cutter, true);
        ok &= goodput("upload", upload, upSum, cutter, false);
        List<String> lost = new ArrayList<>();
        lost.addAll(lossReport("download", download));
        lost.addAll(lossReport("upload", upload));
        if (check != null) {
            lost.addAll(lossReport("check", check));
        }
        if (lost.isEmpty()) {
            out.println("  bytes lost: 0 (SHA-256 of what was sent equals SHA-256 of what arrived, every transfer)");
        } else {
            out.println("  bytes lost: HASH MISMATCH");
            lost.forEach(l -> out.println("    " + l));
        }
        out.printf(Locale.ROOT, "  longest delivery gap: download %s, upload %s (largest interval between two reads"
                + " at the receiving application)%n", gap(download), gap(upload));
        out.println("  uplink events:");
        synchronized (events) {
            events.forEach(e -> out.println("    " + stamp(seconds(e.nanos())) + " " + e.message()));
        }
        boolean cameBack = true;
        if (cutter != null) {
            Double back = cameBackAfter(cutter.restoredAtSeconds(), monitor);
            long carried = monitor.bytesSince(cut, cutter.restoredAt);
            if (back != null && carried > 0) {
                out.printf(Locale.ROOT, "  cut uplink %s: came back after %.1f s and carried %.1f MB again%n", cut,
                        back, carried / 1e6);
            } else if (back != null) {
                out.printf(Locale.ROOT, "  cut uplink %s: came back after %.1f s but carried NO data since%n", cut, back);
                cameBack = false;
            } else {
                out.printf("  cut uplink %s: did NOT come back within %d s of its restore%n", cut,
                        COME_BACK_WAIT.toSeconds());
                cameBack = false;
            }
        }
        out.flush();
        return ok && lost.isEmpty() && cameBack ? 0 : 1;
    }

    /** What each emulated link did, as a cross-check of the transport's figures (drops cost retransmissions). */
    private void emulatorCounters(EmulatedLinks emulated) {
        out.println("  emulated links (MB delivered; datagrams dropped by a full queue, during the cut):");
        emulated.links().forEach((name, link) -> {
            LinkEmulator.Stats st = link.stats();
            out.printf(Locale.ROOT, "    %-7s ↑ %6.1f MB, %5d queue, %5d cut | ↓ %6.1f MB, %5d queue, %5d cut%n", name,
                    st.up().bytesDelivered() / 1e6, st.up().droppedQueue(), st.up().droppedOutage(),
                    st.down().bytesDelivered() / 1e6, st.down().droppedQueue(), st.down().droppedOutage());
        });
        out.flush();
    }

    private boolean goodput(String name, TransferResult r, double sumMbit, Cutter cutter, boolean down) {
        if (r.error() != null) {
            out.printf(Locale.ROOT, "  %-8s broke off after %.1f MB: %s%n", name, Math.max(0, r.received()) / 1e6, r.error());
            return false;
        }
        double mbit = r.mbitPerSecond();
        String offered = "";
        if (cutter != null) {
            // What the links could carry during this transfer, the cut link's share missing while it was cut.
            double cutRate = cutter.rateMbit(down);
            double start = transferStarts.getOrDefault(name, 0.0);
            double end = start + r.seconds();
            double overlap = Math.max(0, Math.min(end, cutter.restoredAtSeconds()) - Math.max(start, cutter.cutAtSeconds()));
            double available = (sumMbit * r.seconds() - cutRate * overlap) / r.seconds();
            if (overlap > 0) {
                offered = String.format(Locale.ROOT, "; %.0f %% of the %.0f Mbit/s they offered on average, counting the cut",
                        100 * mbit / available, available);
            }
        }
        out.printf(Locale.ROOT, "  %-8s %.1f MB in %.1f s: %.1f Mbit/s goodput, %.0f %% of the links' %.0f Mbit/s%s%n",
                name, r.received() / 1e6, r.seconds(), mbit, 100 * mbit / sumMbit, sumMbit, offered);
        return true;
    }

    private static List<String> lossReport(String name, TransferResult r) {
        if (r.intact()) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        if (r.error() != null) {
            lines.add(name + ": " + r.error());
        }
        if (r.received() >= 0 && r.received() != r.sent()) {
            lines.add(String.format(Locale.ROOT, "%s: %d bytes sent, %d received (%d lost)", name, r.sent(),
                    r.received(), r.sent() - r.received()));
        }
        lines.add(name + ": SHA-256 sent " + r.sentDigest() + ", received " + r.receivedDigest());
        return lines;
    }

    private static String gap(TransferResult r) {
        return r.maxGapNanos() < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f s", r.maxGapNanos() / 1e9);
    }

    private double now() {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String stamp(double t) {
        return t < 0 ? "  setup" : String.format(Locale.ROOT, "%6.2fs", t);
    }

    private double seconds(long nanoTime) {
        return (nanoTime - t0) / 1e9;
    }

    private void event(String message) {
        if (closing) {
            return;
        }
        long nanos = System.nanoTime();
        synchronized (events) {
            events.add(new Event(nanos, message));
        }
        out.println(stamp(seconds(nanos)) + "  event: " + message);
    }

    /**
     * Seconds from the restore until the cut uplink was trusted again: the transport's first "up" or "answers
     * again" event for it after the restore, or else the first live sample that shows it up; null if neither.
     */
    private Double cameBackAfter(double restoredAt, Monitor monitor) {
        synchronized (events) {
            for (Event e : events) {
                if (seconds(e.nanos()) >= restoredAt && (e.message().equals("uplink " + cut + " up")
                        || e.message().equals("uplink " + cut + " answers again"))) {
                    return seconds(e.nanos()) - restoredAt;
                }
            }
        }
        return monitor.cameBackAfter(cut, restoredAt);
    }

    /** One line per record, times on the demo's clock, the logger's simple class name and thread. */
    private Handler logTo(PrintWriter err) {
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (!isLoggable(r)) {
                    return;
                }
                String logger = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
                double t = seconds(System.nanoTime());
                err.printf(Locale.ROOT, "%s log %s %s [%s]: %s%s%n", stamp(t), r.getLevel(), logger,
                        Thread.currentThread().getName(), r.getMessage(),
                        r.getThrown() == null ? "" : " (" + r.getThrown() + ")");
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                err.flush();
            }
        };
        h.setLevel(Level.ALL);
        return h;
    }

    private static String show(InetSocketAddress a) {
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Cuts the chosen link's emulator at the planned time and restores it; times in seconds since t0. */
    private final class Cutter {
        final LinkEmulator link;
        final long cutAt;
        volatile long restoredAt = Long.MAX_VALUE;
        private final Thread thread;

        Cutter(LinkEmulator link) {
            this.link = link;
            this.cutAt = t0 + (long) (DemoCommand.this.cutAt * 1e9);
            this.thread = Thread.ofPlatform().daemon().name("demo-cutter").start(this::run);
        }

        private void run() {
            try {
                sleepUntil(cutAt);
                link.cut();
                event(cut + " CUT at the emulator (both directions blackholed)");
                sleepUntil(cutAt + (long) (cutFor * 1e9));
                link.restore();
                restoredAt = System.nanoTime();
                event(cut + " RESTORED at the emulator");
            } catch (InterruptedException e) {
                link.restore();
            }
        }

        private void sleepUntil(long nanoTime) throws InterruptedException {
            long wait;
            while ((wait = nanoTime - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
        }

        void awaitRestore() throws InterruptedException {
            thread.join();
        }

        double cutAtSeconds() {
            return (cutAt - t0) / 1e9;
        }

        double restoredAtSeconds() {
            return restoredAt == Long.MAX_VALUE ? Double.MAX_VALUE : (restoredAt - t0) / 1e9;
        }

        double rateMbit(boolean down) {
            LinkEmulator.Direction d = down ? LinkEmulator.Direction.DOWN : LinkEmulator.Direction.UP;
            return link.profile(d).bitsPerSecond() / 1e6;
        }

    }

    /** Transfer start times, seconds since t0, by transfer name. */
    private final Map<String, Double> transferStarts = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Prints one live line a second and keeps, per uplink name, the flow bytes it has carried in total (across
     * reconnections, which start a new uplink with fresh counters) and when it was last seen up.
     */
    private final class Monitor {
        record Phase(String name, AtomicLong progress) {
        }

        /** Per name: carried bytes sampled over time, as (seconds since t0, cumulative bytes, state). */
        private record Sample(double t, long bytes, String state) {
        }

        final AtomicReference<Phase> current = new AtomicReference<>();
        private final BondClient client;
        private final List<EmulatedLinks.LinkSpec> specs;
        private final Map<String, Integer> lastId = new LinkedHashMap<>();
        private final Map<String, Long> base = new LinkedHashMap<>();
        private final Map<String, Long> lastTotal = new LinkedHashMap<>();
        private final Map<String, List<Sample>> history = new LinkedHashMap<>();
        private volatile boolean stopped;
        private long lastProgress;
        private Phase lastPhase;

        Monitor(BondClient client, List<EmulatedLinks.LinkSpec> specs) {
            this.client = client;
            this.specs = specs;
        }

        void run() {
            long next = System.nanoTime();
            while (!stopped) {
                next += TimeUnit.SECONDS.toNanos(1);
                long wait;
                while ((wait = next - System.nanoTime()) > 0 && !stopped) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(Math.min(wait, 100_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopped) {
                    return;
                }
                String line = sample();
                if (!quiet) {
                    out.println(line);
                }
            }
        }

        void stop() {
            stopped = true;
        }

        /** Takes a sample and returns the live line. */
        synchronized String sample() {
            double t = now();
            ClientStatus status = client.status();
            Map<String, SessionStatus.UplinkStatus> up = new LinkedHashMap<>();
            for (SessionStatus.UplinkStatus u : status.session().uplinks()) {
                up.put(u.name(), u);
            }
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%6.1fs", t));
            Phase phase = current.get();
            if (phase != null) {
                long p = phase.progress().get();
                long delta = phase == lastPhase ? p - lastProgress : p;
                lastPhase = phase;
                lastProgress = p;
                line.append(String.format(Locale.ROOT, "  %-8s %6.1f MB %6.1f Mbit/s", phase.name(), p / 1e6,
                        delta * 8 / 1e6));
            } else {
                line.append(String.format(Locale.ROOT, "  %-8s %6s    %6s       ", "idle", "", ""));
            }
            for (EmulatedLinks.LinkSpec s : specs) {
                SessionStatus.UplinkStatus u = up.get(s.name());
                String state;
                long total;
                if (u == null) {
                    state = status.configured().stream().filter(c -> c.name().equals(s.name())).findFirst()
                            .map(ClientStatus.ConfiguredUplink::state).orElse("down");
                    state = state.equals("connected") ? "down" : state;
                    total = base.getOrDefault(s.name(), 0L) + lastTotal.getOrDefault(s.name(), 0L);
                    line.append(String.format(Locale.ROOT, " | %s %-10s", s.name(), state));
                } else {
                    state = u.state();
                    Integer id = lastId.put(s.name(), u.id());
                    if (id != null && id != u.id()) {
                        base.merge(s.name(), lastTotal.getOrDefault(s.name(), 0L), Long::sum);
                    }
                    long now = u.bytesSent() + u.bytesReceived();
                    lastTotal.put(s.name(), now);
                    total = base.getOrDefault(s.name(), 0L) + now;
                    line.append(String.format(Locale.ROOT, " | %s %-7s ↑%5.1f ↓%5.1f", s.name(), state,
                            u.sendRate() * 8 / 1e6, u.receiveRate() * 8 / 1e6));
                }
                history.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(new Sample(t, total, state));
            }
            return line.toString();
        }

        /** Whether {@code name} carried any flow bytes after {@code since} (System.nanoTime). */
        synchronized boolean carriedSince(String name, long since) {
            sample();
            return bytesSince(name, since) > 0;
        }

        synchronized long bytesSince(String name, long since) {
            double s = (since - t0) / 1e9;
            List<Sample> h = history.getOrDefault(name, List.of());
            long before = -1;
            long last = -1;
            for (Sample x : h) {
                if (x.t() <= s) {
                    before = x.bytes();
                }
                last = x.bytes();
            }
            return before < 0 || last < 0 ? 0 : last - before;
        }

        /** Seconds from {@code s} (since t0) until {@code name} was first sampled "up" again; null if never. */
        synchronized Double cameBackAfter(String name, double s) {
            for (Sample x : history.getOrDefault(name, List.of())) {
                if (x.t() >= s && x.state().equals("up")) {
                    return Math.max(0, x.t() - s);
                }
            }
            return null;
        }
    }
}
