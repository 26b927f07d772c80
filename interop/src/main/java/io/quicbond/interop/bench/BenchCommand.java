package io.quicbond.interop.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.quicbond.interop.emulator.EmulatedLinks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark: throughput, CPU and memory of the bond against a plain TCP relay and raw kwik, each case with
 * its server and client in separate JVMs ({@link BenchServerMain}, {@link BenchClientMain}) so that each side's
 * CPU time (/proc/PID/stat, during the transfer) and peak RSS (/proc/PID/status VmHWM) can be read.
 *
 * <p>Scenario {@code ceiling}: loopback, unshaped, one flow at a time: plain TCP relay (up, down), raw kwik (one
 * connection, one stream, up and down), the bond with 1 and with 3 uplinks (up, down). Scenario {@code emulated}: three
 * emulated links (default 40/20/10 Mbit/s at 20/50/100 ms), one TCP upload through the bond, time-limited, with
 * all links (aggregate policy) and with the fastest link alone. Results go to {@code --out} as results.json and
 * results.md. Exit code 0; 1 if any transfer broke off or arrived damaged; 2 for bad options.
 */
@Command(name = "bond-bench", mixinStandardHelpOptions = true,
        description = {"Measures the bond's throughput, CPU and memory against a plain TCP relay and raw kwik.",
                "Server and client of each case run in JVMs of their own; results go to a folder as JSON and Markdown."})
public final class BenchCommand implements Callable<Integer> {
    static final String DEFAULT_LINKS = "lte=40mbit/20ms,dsl=20mbit/50ms,sat=10mbit/100ms";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Option(names = "--scenario", defaultValue = "ceiling", paramLabel = "NAME",
            description = "ceiling, emulated, netns (root: TCP, kernel MPTCP and quicbond over the same emulated IP"
                    + " links between network namespaces) or all (ceiling and emulated) (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--engines", split = ",", paramLabel = "ENGINE", defaultValue = "quiche",
            description = "quicbond's QUIC engines to compare, e.g. quiche,kwik: the netns systems, and the ceiling's"
                    + " engine-alone and bond cases, each engine in the same run (default: ${DEFAULT-VALUE}; for the"
                    + " ceiling, -Dquicbond.engine among the --java-opt options, else quiche).")
    List<String> engines;

    @Option(names = "--netns-seconds", paramLabel = "S",
            description = "netns: length of each bulk transfer (default: 20; 4 with --quick).")
    Double netnsSeconds;

    @Option(names = "--netns-only", split = ",", paramLabel = "SCENARIO",
            description = "netns: run only these scenarios: mixed-clean, mixed-loss-best, mixed-loss-slowest, failover,"
                    + " flap, latency, redundant, equal-2.")
    List<String> netnsOnly;

    @Option(names = "--netns-systems", split = ",", paramLabel = "SYSTEM",
            description = "netns: run only these systems: tcp, mptcp, udp, quicbond-quiche, quicbond-kwik,"
                    + " vless-mptcp (our client and server in VLESS-over-MPTCP compat mode).")
    List<String> netnsSystems;

    @Option(names = "--netns-prefix", defaultValue = "qbe", paramLabel = "NAME",
            description = "netns: name prefix of the namespaces (NAME-c, NAME-s) and devices (default: ${DEFAULT-VALUE}).")
    String netnsPrefix;

    @Option(names = "--netns-subnet", defaultValue = "10.77", paramLabel = "A.B",
            description = "netns: link i uses A.B.i.1 and A.B.i.2 (default: ${DEFAULT-VALUE}).")
    String netnsSubnet;

    @Option(names = "--size", paramLabel = "MB",
            description = "Megabytes (10^6 bytes) per ceiling transfer (default: 300; 30 with --quick).")
    Integer sizeMb;

    @Option(names = "--runs", paramLabel = "N", description = "Runs per case; medians are reported (default: 3; 1 with --quick).")
    Integer runs;

    @Option(names = "--quick", description = "One short run per case (30 MB, 5 s emulated): a smoke test for CI.")
    boolean quick;

    @Option(names = "--emulated-links", defaultValue = DEFAULT_LINKS, paramLabel = "SPEC",
            description = "Links of the emulated scenario (default: ${DEFAULT-VALUE}).")
    String emulatedLinks;

    @Option(names = "--emulated-seconds", paramLabel = "S",
            description = "Length of each emulated upload (default: 20; 5 with --quick).")
    Double emulatedSeconds;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Results folder (default: results/bench-<timestamp>/ under $QUICBOND_RESULTS or the current directory).")
    Path out;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "MB",
            description = "Unmeasured megabytes moved each way by each client before its measured transfers, so that"
                    + " CPU figures leave out JIT compilation (default: ${DEFAULT-VALUE}: none).")
    int warmupMb;

    @Option(names = "--only", split = ",", paramLabel = "CASE",
            description = "Run only these cases: tcp-relay, raw-kwik, raw-engine, bond-1, bond-3, emu-aggregate, emu-best-alone.")
    List<String> only;

    @Option(names = "--java-opt", paramLabel = "OPT", description = "Extra JVM option for the server and client JVMs (repeatable).")
    List<String> javaOpts = new ArrayList<>();

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "S",
            description = "Longest a single client run may take, in seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private PrintWriter log;
    private String loadAtStart;
    /** 1-minute load averages sampled every 5 s while the benchmark runs. */
    private final List<Double> loadSamples = new java.util.concurrent.CopyOnWriteArrayList<>();

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }

    /** The whole command with its output given; never calls System.exit. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new BenchCommand());
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    /**
     * One benchmark case.
     *
     * @param id          short key, used in file names and JSON
     * @param label       what the table calls it
     * @param serverArgs  arguments of {@link BenchServerMain}
     * @param clientArgs  options of {@link BenchClientMain} beyond the ones every case gets
     * @param directions  "up", "down" or both
     */
    record Case(String scenario, String id, String label, List<String> serverArgs, List<String> clientArgs,
                List<String> directions, long sizeBytes, Double timeLimitSeconds, double linkRateMbit, String engine) {

        /** A case that does not depend on the engine, or runs on the one the JVM options choose. */
        Case(String scenario, String id, String label, List<String> serverArgs, List<String> clientArgs,
             List<String> directions, long sizeBytes, Double timeLimitSeconds, double linkRateMbit) {
            this(scenario, id, label, serverArgs, clientArgs, directions, sizeBytes, timeLimitSeconds, linkRateMbit,
                    null);
        }

        /** The case's name in log lines and file names: its id, and its engine when it has one of its own. */
        String key() {
            return engine == null ? id : id + "-" + engine;
        }
    }

    /** One transfer of one run, as the client reported it, plus the server's peak memory. */
    record Transfer(String direction, long bytes, double seconds, double mbit, boolean intact, double maxGapMs,
                    double clientCpu, double serverCpu, Map<String, Long> uplinkBytes, String error) {
    }

    record Run(int index, List<Transfer> transfers, long clientPeakRss, long serverPeakRss, long reinjectedBytes,
               long nudges, int exitCode) {
    }

    @Override
    public Integer call() throws Exception {
        log = spec.commandLine().getOut();
        loadAtStart = loadAverage();
        Thread loadSampler = Thread.ofPlatform().daemon().name("bench-load").start(() -> {
            try {
                while (true) {
                    loadSamples.add(Double.parseDouble(loadAverage().split(" ")[0]));
                    Thread.sleep(5000);
                }
            } catch (InterruptedException | RuntimeException e) {
                // stopped, or no /proc/loadavg
            }
        });
        int size = sizeMb != null ? sizeMb : quick ? 30 : 300;
        int runCount = runs != null ? runs : quick ? 1 : 3;
        double emuSeconds = emulatedSeconds != null ? emulatedSeconds : quick ? 5 : 20;
        if (size <= 0 || runCount <= 0 || emuSeconds <= 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--size, --runs and --emulated-seconds must be > 0");
        }
        if (scenario.equals("netns")) {
            return netns(runCount);
        }
        List<Case> cases = new ArrayList<>();
        switch (scenario) {
            case "ceiling" -> cases.addAll(ceiling(size * 1_000_000L, ceilingEngines()));
            case "emulated" -> cases.addAll(emulated(emuSeconds));
            case "all" -> {
                cases.addAll(ceiling(size * 1_000_000L, ceilingEngines()));
                cases.addAll(emulated(emuSeconds));
            }
            default -> throw new CommandLine.ParameterException(spec.commandLine(),
                    "--scenario must be ceiling, emulated, netns or all, not '" + scenario + "'");
        }
        if (only != null && !only.isEmpty()) {
            cases.removeIf(c -> !only.contains(c.id()));
            if (cases.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--only matches no case of scenario " + scenario);
            }
        }
        Path dir = out != null ? out : defaultResultsDir();
        Files.createDirectories(dir);
        log.printf("bond-bench: %d case(s) x %d run(s), results in %s; load average %s on %s%n", cases.size(),
                runCount, dir, loadAtStart, machine());

        Map<Case, List<Run>> results = new LinkedHashMap<>();
        boolean ok = true;
        for (Case c : cases) {
            List<Run> caseRuns = new ArrayList<>();
            for (int i = 1; i <= runCount; i++) {
                log.printf("[%s %d/%d] %s%n", c.key(), i, runCount, c.label());
                Run r;
                try {
                    r = runOnce(c, i, dir);
                } catch (IOException e) {
                    log.printf("[%s %d/%d] failed: %s%n", c.key(), i, runCount, e.getMessage());
                    r = new Run(i, List.of(), -1, -1, 0, 0, -2);
                }
                caseRuns.add(r);
                for (Transfer t : r.transfers()) {
                    log.printf(Locale.ROOT, "[%s %d/%d] %-4s %8.1f Mbit/s  %6.1f MB in %5.1f s  cpu client %.1f s"
                                    + " server %.1f s  %s%n", c.key(), i, runCount, t.direction(), t.mbit(), t.bytes() / 1e6,
                            t.seconds(), t.clientCpu(), t.serverCpu(), t.intact() ? "intact" : "DAMAGED: " + t.error());
                    ok &= t.intact();
                }
                if (r.exitCode() != 0 || r.transfers().size() != c.directions().size()) {
                    log.printf("[%s %d/%d] client exit code %d, %d of %d transfers reported; see %s%n", c.key(), i,
                            runCount, r.exitCode(), r.transfers().size(), c.directions().size(),
                            dir.resolve(c.key() + "-" + i + "-client.log"));
                    ok = false;
                }
            }
            results.put(c, caseRuns);
        }
        loadSampler.interrupt();
        String table = markdown(results);
        Map<String, Object> json = json(results, size, runCount, emuSeconds);
        Files.writeString(dir.resolve("results.md"), header(size, runCount) + "\n" + table);
        Files.writeString(dir.resolve("results.json"), JSON.writeValueAsString(json));
        log.println();
        log.print(table);
        log.printf("%nwritten: %s, %s%n", dir.resolve("results.md"), dir.resolve("results.json"));
        return ok ? 0 : 1;
    }

    /** The netns scenario group; exit code 3 when it cannot run here (not root, tools missing). */
    private int netns(int runCount) throws Exception {
        String why = io.quicbond.interop.bench.netns.NetnsBench.unavailableReason();
        if (why != null) {
            spec.commandLine().getErr().println("bond-bench --scenario netns cannot run here: " + why);
            return 3;
        }
        checkEngines(engines);
        double seconds = netnsSeconds != null ? netnsSeconds : quick ? 4 : 20;
        if (seconds < 2) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--netns-seconds must be >= 2");
        }
        Path dir = out != null ? out : defaultResultsDir();
        Files.createDirectories(dir);
        List<String> java = new ArrayList<>(javaCommand());
        log.printf("bond-bench netns: results in %s; load average %s on %s%n", dir, loadAtStart, machine());
        var options = new io.quicbond.interop.bench.netns.NetnsBench.Options(runCount, seconds, seconds, engines, java,
                netnsPrefix, netnsSubnet, netnsOnly, netnsSystems);
        boolean ok = new io.quicbond.interop.bench.netns.NetnsBench(options, dir, log).run();
        return ok ? 0 : 1;
    }

    private List<Case> ceiling(long size, List<String> caseEngines) {
        List<String> both = List.of("up", "down");
        List<Case> cases = new ArrayList<>(List.of(
                new Case("ceiling", "tcp-relay", "plain TCP relay", List.of("tcp"), List.of("--mode", "tcp"),
                        both, size, null, 0),
                new Case("ceiling", "raw-kwik", "raw kwik (1 connection, 1 stream)", List.of("kwik"),
                        List.of("--mode", "kwik"), both, size, null, 0)));
        // With one engine the labels stay as they were (the header names it); with several, each row names its own.
        boolean several = caseEngines.size() > 1;
        for (String engine : caseEngines) {
            String suffix = several ? ", " + engine : "";
            cases.add(new Case("ceiling", "raw-engine", "the bond's engine alone (1 connection, 1 stream)" + suffix,
                    List.of("engine"), List.of("--mode", "engine"), both, size, null, 0, engine));
            cases.add(new Case("ceiling", "bond-1", "quicbond, 1 uplink" + suffix, List.of("bond"),
                    List.of("--mode", "bond", "--uplinks", "1"), both, size, null, 0, engine));
            cases.add(new Case("ceiling", "bond-3", "quicbond, 3 uplinks" + suffix, List.of("bond"),
                    List.of("--mode", "bond", "--uplinks", "3"), both, size, null, 0, engine));
        }
        return cases;
    }

    /** The ceiling's engines: --engines when given, else the one the JVM options choose. */
    private List<String> ceilingEngines() {
        boolean given = spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--engines");
        List<String> chosen = given ? engines : List.of(engineName());
        checkEngines(chosen);
        return chosen.stream().distinct().toList();
    }

    private void checkEngines(List<String> names) {
        for (String engine : names) {
            if (!engine.equals("quiche") && !engine.equals("kwik")) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--engines: quiche or kwik, not '" + engine + "'");
            }
        }
    }

    private List<Case> emulated(double seconds) {
        List<EmulatedLinks.LinkSpec> links;
        try {
            links = EmulatedLinks.parse(emulatedLinks);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--emulated-links: " + e.getMessage());
        }
        double sum = links.stream().mapToDouble(l -> l.up().bitsPerSecond() / 1e6).sum();
        EmulatedLinks.LinkSpec best = links.stream()
                .max(Comparator.comparingLong(l -> l.up().bitsPerSecond())).orElseThrow();
        String spec = EmulatedLinks.format(links);
        // Big enough never to be the limit: the upload ends when the time is up.
        long cap = 100_000_000_000L;
        return List.of(
                new Case("emulated", "emu-aggregate", "quicbond, " + links.size() + " emulated links, aggregate",
                        List.of("bond", spec), List.of("--mode", "bond", "--links", "@all"), List.of("up"), cap,
                        seconds, sum),
                new Case("emulated", "emu-best-alone", "quicbond, best link alone (" + best.name() + ")",
                        List.of("bond", spec), List.of("--mode", "bond", "--links", "@" + best.name()), List.of("up"),
                        cap, seconds, best.up().bitsPerSecond() / 1e6));
    }

    private Path defaultResultsDir() {
        String base = System.getenv("QUICBOND_RESULTS");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        return Path.of(base != null && !base.isBlank() ? base : "results").resolve("bench-" + stamp);
    }

    // ---- running one case ----

    private Run runOnce(Case c, int index, Path dir) throws IOException, InterruptedException {
        Path serverLog = dir.resolve(c.key() + "-" + index + "-server.log");
        Path clientLog = dir.resolve(c.key() + "-" + index + "-client.log");
        List<String> serverCommand = new ArrayList<>(javaCommand(c.engine()));
        serverCommand.add(BenchServerMain.class.getName());
        serverCommand.addAll(c.serverArgs());
        Process server = new ProcessBuilder(serverCommand).redirectError(serverLog.toFile()).start();
        OutputStream serverStdin = server.getOutputStream();
        try {
            BufferedReader serverOut = new BufferedReader(new InputStreamReader(server.getInputStream(),
                    StandardCharsets.UTF_8));
            String readyLine = CompletableFuture.supplyAsync(() -> {
                try {
                    return serverOut.readLine();
                } catch (IOException e) {
                    return null;
                }
            }).completeOnTimeout(null, 60, TimeUnit.SECONDS).join();
            if (readyLine == null) {
                throw new IOException("the bench server did not start; see " + serverLog);
            }
            JsonNode ready = JSON.readTree(readyLine);
            List<String> clientCommand = new ArrayList<>(javaCommand(c.engine()));
            clientCommand.add(BenchClientMain.class.getName());
            clientCommand.addAll(List.of("--port", ready.get("port").asText(), "--server-pid",
                    ready.get("pid").asText(), "--size", Long.toString(c.sizeBytes()),
                    "--warmup", Long.toString(warmupMb * 1_000_000L), "--directions",
                    String.join(",", c.directions())));
            if (ready.has("traffic")) {
                clientCommand.addAll(List.of("--traffic", ready.get("traffic").asText()));
            }
            if (ready.has("pin")) {
                clientCommand.addAll(List.of("--pin", ready.get("pin").asText()));
            }
            if (c.timeLimitSeconds() != null) {
                clientCommand.addAll(List.of("--time-limit", Double.toString(c.timeLimitSeconds())));
            }
            for (int i = 0; i < c.clientArgs().size(); i++) {
                String a = c.clientArgs().get(i);
                if (a.startsWith("@")) {
                    a = linkPorts(ready.get("links"), a.substring(1));
                }
                clientCommand.add(a);
            }
            Process client = new ProcessBuilder(clientCommand).redirectError(clientLog.toFile()).start();
            List<Transfer> transfers = new ArrayList<>();
            long[] done = {-1, 0, 0};
            Thread reader = Thread.ofVirtual().start(() -> readClient(c, index, client, transfers, done));
            boolean finished = client.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            long serverPid = ready.get("pid").asLong();
            long serverPeak = ProcStats.peakRssBytes(serverPid);
            if (!finished) {
                log.printf("[%s %d] client still running after %d s: thread dumps go to the logs%n", c.key(), index,
                        timeoutSeconds);
                threadDump(client.pid(), clientLog);
                threadDump(serverPid, serverLog);
                client.destroyForcibly();
                client.waitFor();
            }
            reader.join(5000);
            synchronized (transfers) {
                return new Run(index, List.copyOf(transfers), done[0], serverPeak, done[1], done[2],
                        finished ? client.exitValue() : -1);
            }
        } finally {
            serverStdin.close();
            if (!server.waitFor(10, TimeUnit.SECONDS)) {
                server.destroyForcibly();
                server.waitFor();
            }
        }
    }

    /** "name=port,..." for the link named {@code which}, or for all links when it is "all". */
    private static String linkPorts(JsonNode links, String which) {
        List<String> out = new ArrayList<>();
        links.properties().forEach(e -> {
            if (which.equals("all") || which.equals(e.getKey())) {
                out.add(e.getKey() + "=" + e.getValue().asText());
            }
        });
        return String.join(",", out);
    }

    private void readClient(Case c, int index, Process client, List<Transfer> transfers, long[] done) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            long lastBytes = 0;
            String lastDirection = "";
            while ((line = in.readLine()) != null) {
                if (line.startsWith("PROGRESS ")) {
                    String[] p = line.split(" ");
                    long bytes = Long.parseLong(p[2]);
                    if (!p[1].equals(lastDirection)) {
                        lastDirection = p[1];
                        lastBytes = 0;
                    }
                    log.printf(Locale.ROOT, "  %s %d %-4s %8.1f MB  %7.1f Mbit/s%n", c.key(), index, p[1], bytes / 1e6,
                            (bytes - lastBytes) * 8 / 1e6);
                    lastBytes = bytes;
                } else if (line.startsWith("RESULT ")) {
                    JsonNode r = JSON.readTree(line.substring(7));
                    Map<String, Long> uplinks = new LinkedHashMap<>();
                    if (r.has("uplinkBytes")) {
                        r.get("uplinkBytes").properties().forEach(e -> uplinks.put(e.getKey(), e.getValue().asLong()));
                    }
                    synchronized (transfers) {
                        transfers.add(new Transfer(r.get("direction").asText(), r.get("bytes").asLong(),
                                r.get("seconds").asDouble(), r.get("mbit").asDouble(), r.get("intact").asBoolean(),
                                r.get("maxGapMs").asDouble(), r.get("clientCpu").asDouble(),
                                r.get("serverCpu").asDouble(), uplinks,
                                r.get("error").isNull() ? null : r.get("error").asText()));
                    }
                } else if (line.startsWith("DONE ")) {
                    JsonNode d = JSON.readTree(line.substring(5));
                    done[0] = d.get("peakRss").asLong();
                    done[1] = d.has("reinjectedBytes") ? d.get("reinjectedBytes").asLong() : 0;
                    done[2] = d.get("nudges").asLong();
                } else {
                    log.println("  " + c.key() + " " + index + ": " + line);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.println("  " + c.key() + " " + index + ": cannot read the client's output: " + e);
        }
    }

    private void threadDump(long pid, Path logFile) {
        try {
            Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
            Process p = new ProcessBuilder(jstack.toString(), Long.toString(pid))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .redirectErrorStream(true).start();
            p.waitFor(30, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            log.println("  no thread dump of " + pid + ": " + e);
        }
    }

    /** The engine the bench's JVMs use: {@code -Dquicbond.engine} among the --java-opt options, else the default. */
    private String engineName() {
        String engine = io.quicbond.transport.engine.QuicEngines.DEFAULT;
        for (String opt : javaOpts) {
            if (opt.startsWith("-Dquicbond.engine=")) {
                engine = opt.substring("-Dquicbond.engine=".length());
            }
        }
        return engine;
    }

    private List<String> javaCommand() {
        return javaCommand(null);
    }

    /** The JVM command of a case's server or client; a case's own engine comes after (so over) --java-opt's. */
    private List<String> javaCommand(String engine) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("--add-opens");
        cmd.add("java.base/sun.nio.ch=ALL-UNNAMED");
        cmd.addAll(javaOpts);
        if (engine != null) {
            cmd.add("-Dquicbond.engine=" + engine);
        }
        cmd.add("-cp");
        cmd.add(classPath());
        return cmd;
    }

    /** This JVM's class path; under Maven's test runners the real one is in surefire.test.class.path. */
    static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    // ---- reporting ----

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static List<Transfer> transfers(List<Run> runs, String direction) {
        List<Transfer> out = new ArrayList<>();
        for (Run r : runs) {
            for (Transfer t : r.transfers()) {
                if (t.direction().equals(direction)) {
                    out.add(t);
                }
            }
        }
        return out;
    }

    /** The median of case {@code id} on {@code engine} (or of the engine-independent case when that is null). */
    private static double medianMbit(Map<Case, List<Run>> results, String id, String engine, String direction) {
        for (Map.Entry<Case, List<Run>> e : results.entrySet()) {
            if (e.getKey().id().equals(id) && java.util.Objects.equals(e.getKey().engine(), engine)) {
                return median(transfers(e.getValue(), direction).stream().map(Transfer::mbit).toList());
            }
        }
        return Double.NaN;
    }

    private String header(int size, int runCount) {
        return "# bond-bench results\n\n"
                + "- date: " + ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME) + "\n"
                + "- machine: " + machine() + "\n"
                + "- load average (1/5/15 min) at the start: " + loadAtStart + ", at the end: " + loadAverage() + "\n"
                + "- 1-minute load average while running: " + loadSummary() + " (the benchmark's own two JVMs"
                + " account for up to 2)\n"
                + "- ceiling transfers: " + size + " MB each, " + runCount + " run(s) per case, medians; warm-up "
                + (warmupMb > 0 ? warmupMb + " MB each way, unmeasured" : "none (CPU figures include JIT compilation)")
                + "\n";
    }

    private String loadSummary() {
        if (loadSamples.isEmpty()) {
            return "unknown";
        }
        double mean = loadSamples.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double max = loadSamples.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format(Locale.ROOT, "mean %.1f, max %.1f over %d samples", mean, max, loadSamples.size());
    }

    /** The first three fields of /proc/loadavg; other work on the machine skews every figure. */
    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The machine, as the results files describe it: cores, CPU model, Java version. */
    public static String machineDescription() {
        return machine();
    }

    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
        } catch (IOException ignored) {
            // not Linux
        }
        return Runtime.getRuntime().availableProcessors() + " x " + cpu + ", Java " + Runtime.version()
                + " (" + System.getProperty("java.vm.vendor") + ")";
    }

    private String markdown(Map<Case, List<Run>> results) {
        StringBuilder md = new StringBuilder();
        boolean anyCeiling = results.keySet().stream().anyMatch(c -> c.scenario().equals("ceiling"));
        if (anyCeiling) {
            List<String> shown = results.keySet().stream().map(Case::engine).filter(java.util.Objects::nonNull)
                    .distinct().toList();
            md.append(shown.size() > 1 ? "Engines of the bond and of \"the bond's engine alone\", each in this run: "
                    : "Engine of the bond and of \"the bond's engine alone\": ")
                    .append(shown.isEmpty() ? engineName() : String.join(", ", shown)).append("\n\n");
            md.append("| case | dir | Mbit/s (median) | all runs | vs TCP relay | vs raw kwik | vs the engine alone"
                    + " | CPU s client | CPU s server | CPU s per Gbit (both) | peak RSS client | peak RSS server |\n");
            md.append("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Map.Entry<Case, List<Run>> e : results.entrySet()) {
                Case c = e.getKey();
                if (!c.scenario().equals("ceiling")) {
                    continue;
                }
                for (String dir : c.directions()) {
                    List<Transfer> ts = transfers(e.getValue(), dir);
                    double mbit = median(ts.stream().map(Transfer::mbit).toList());
                    double tcp = medianMbit(results, "tcp-relay", null, dir);
                    double kwik = medianMbit(results, "raw-kwik", null, dir);
                    double engine = medianMbit(results, "raw-engine", c.engine(), dir);
                    double clientCpu = median(ts.stream().map(Transfer::clientCpu).toList());
                    double serverCpu = median(ts.stream().map(Transfer::serverCpu).toList());
                    double gbit = c.sizeBytes() * 8 / 1e9;
                    md.append(String.format(Locale.ROOT,
                            "| %s | %s | %.1f | %s | %s | %s | %s | %.1f | %.1f | %.1f | %s | %s |\n",
                            c.label(), dir.equals("up") ? "up" : "down", mbit,
                            ts.stream().map(t -> String.format(Locale.ROOT, "%.1f", t.mbit()) + (t.intact() ? "" : "!"))
                                    .collect(Collectors.joining(" / ")),
                            ratio(mbit, tcp), ratio(mbit, kwik), ratio(mbit, engine), clientCpu, serverCpu,
                            (clientCpu + serverCpu) / gbit,
                            mib(median(e.getValue().stream().map(r -> (double) r.clientPeakRss()).toList())),
                            mib(median(e.getValue().stream().map(r -> (double) r.serverPeakRss()).toList()))));
                }
            }
            md.append("\nCPU s: CPU seconds (user + system) of each JVM during the transfer. Peak RSS: VmHWM of each "
                    + "JVM over its whole run (both directions). \"!\" marks a run whose bytes did not arrive intact.\n");
        }
        boolean anyEmulated = results.keySet().stream().anyMatch(c -> c.scenario().equals("emulated"));
        if (anyEmulated) {
            double sum = results.keySet().stream().filter(c -> c.id().equals("emu-aggregate"))
                    .mapToDouble(Case::linkRateMbit).findFirst().orElse(Double.NaN);
            md.append(anyCeiling ? "\n" : "");
            md.append("Emulated links: ").append(emulatedLinks).append(" (summed up rate ")
                    .append(String.format(Locale.ROOT, "%.0f", sum)).append(" Mbit/s), one TCP upload\n\n");
            md.append("| case | Mbit/s (median) | all runs | % of summed rate | % of its links' rate | longest gap ms"
                    + " | bytes per uplink (last run) |\n");
            md.append("|---|---:|---|---:|---:|---:|---|\n");
            for (Map.Entry<Case, List<Run>> e : results.entrySet()) {
                Case c = e.getKey();
                if (!c.scenario().equals("emulated")) {
                    continue;
                }
                List<Transfer> ts = transfers(e.getValue(), "up");
                double mbit = median(ts.stream().map(Transfer::mbit).toList());
                Transfer last = ts.isEmpty() ? null : ts.getLast();
                md.append(String.format(Locale.ROOT, "| %s | %.1f | %s | %.0f %% | %.0f %% | %.0f | %s |\n", c.label(),
                        mbit, ts.stream().map(t -> String.format(Locale.ROOT, "%.1f", t.mbit()) + (t.intact() ? "" : "!"))
                                .collect(Collectors.joining(" / ")),
                        100 * mbit / sum, 100 * mbit / c.linkRateMbit(),
                        median(ts.stream().map(Transfer::maxGapMs).toList()),
                        last == null ? "" : last.uplinkBytes().entrySet().stream()
                                .map(u -> u.getKey() + " " + String.format(Locale.ROOT, "%.1f MB", u.getValue() / 1e6))
                                .collect(Collectors.joining(", "))));
            }
        }
        return md.toString();
    }

    private static String ratio(double value, double base) {
        if (Double.isNaN(value) || Double.isNaN(base) || base <= 0) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.2f", value / base);
    }

    private static String mib(double bytes) {
        return bytes <= 0 || Double.isNaN(bytes) ? "-" : String.format(Locale.ROOT, "%.0f MiB", bytes / (1 << 20));
    }

    private Map<String, Object> json(Map<Case, List<Run>> results, int size, int runCount, double emuSeconds) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("date", ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        root.put("machine", machine());
        root.put("loadAverageAtStart", loadAtStart);
        root.put("loadAverageAtEnd", loadAverage());
        root.put("loadAverageSamples", loadSamples);
        root.put("sizeMB", size);
        root.put("runs", runCount);
        root.put("emulatedSeconds", emuSeconds);
        root.put("emulatedLinks", emulatedLinks);
        root.put("javaOptions", javaOpts);
        root.put("warmupMB", warmupMb);
        List<Map<String, Object>> cases = new ArrayList<>();
        for (Map.Entry<Case, List<Run>> e : results.entrySet()) {
            Case c = e.getKey();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("scenario", c.scenario());
            m.put("id", c.id());
            if (c.engine() != null) {
                m.put("engine", c.engine());
            }
            m.put("label", c.label());
            Map<String, Object> medians = new LinkedHashMap<>();
            for (String dir : c.directions()) {
                List<Transfer> ts = transfers(e.getValue(), dir);
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("mbit", median(ts.stream().map(Transfer::mbit).toList()));
                d.put("clientCpuSeconds", median(ts.stream().map(Transfer::clientCpu).toList()));
                d.put("serverCpuSeconds", median(ts.stream().map(Transfer::serverCpu).toList()));
                medians.put(dir, d);
            }
            m.put("medians", medians);
            if (c.linkRateMbit() > 0) {
                m.put("linkRateMbit", c.linkRateMbit());
            }
            m.put("runs", e.getValue());
            cases.add(m);
        }
        root.put("cases", cases);
        return root;
    }
}
