package io.quicbond.interop.emulator.ip;

import io.quicbond.interop.emulator.DirectionStats;
import io.quicbond.interop.emulator.EmulatedLinks;
import io.quicbond.interop.emulator.LinkEmulator.Direction;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bin/netns-links}: builds {@link NetnsLinks} and keeps forwarding until Ctrl-C (or {@code --duration}),
 * printing each link's counters; with {@code --check}, measures every link with ping and iperf3 and exits. Exit
 * codes: 0 done, 1 a check out of tolerance, 2 bad options, 3 cannot run here (not root, no TUN, no ip).
 */
@Command(name = "netns-links", mixinStandardHelpOptions = true,
        description = {"Emulated links at the IP level between two network namespaces (root only).",
                "Namespaces PREFIX-c (client side) and PREFIX-s (server side), one TUN device pair per link,",
                "shaped by this process with the link emulator's rate, delay, loss, queue and outage logic.",
                "Rates count IP packets. Run programs with 'ip netns exec PREFIX-c ...'. Ctrl-C tears it all down."})
public final class NetnsLinksCommand implements Callable<Integer> {

    @Option(names = "--links", defaultValue = "lte=40mbit/20ms,dsl=20mbit/50ms,sat=10mbit/100ms", paramLabel = "SPEC",
            description = "Links, as for the link emulator (default: ${DEFAULT-VALUE}).")
    String links;

    @Option(names = "--prefix", defaultValue = NetnsLinks.DEFAULT_PREFIX, paramLabel = "NAME",
            description = "Name prefix of namespaces and devices (default: ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--subnet", defaultValue = NetnsLinks.DEFAULT_SUBNET, paramLabel = "A.B",
            description = "Link i uses A.B.i.1 (client) and A.B.i.2 (server) (default: ${DEFAULT-VALUE}).")
    String subnet;

    @Option(names = "--mptcp", description = "Add an MPTCP subflow endpoint per link but the first in the client namespace.")
    boolean mptcp;

    @Option(names = "--check", description = "Measure every link's rate (iperf3 UDP) and delay (ping), print, exit.")
    boolean check;

    @Option(names = "--interval", defaultValue = "5", paramLabel = "S",
            description = "Seconds between counter lines; 0 for none (default: ${DEFAULT-VALUE}).")
    int interval;

    @Option(names = "--duration", paramLabel = "S", description = "Stop after this many seconds (default: until Ctrl-C).")
    Integer duration;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(out, err, args));
    }

    /** The whole command with its output given; never calls System.exit. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new NetnsLinksCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, c, r) -> {
            c.getErr().println("netns-links: " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<EmulatedLinks.LinkSpec> specs;
        try {
            specs = EmulatedLinks.parse(links);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--links: " + e.getMessage(), e);
        }
        String why = NetnsLinks.unavailableReason();
        if (why == null && check) {
            why = NetnsLinkCheck.unavailableReason();
        }
        if (why != null) {
            spec.commandLine().getErr().println("netns-links cannot run here: " + why);
            return 3;
        }
        try (NetnsLinks n = NetnsLinks.start(prefix, subnet, specs)) {
            if (mptcp) {
                n.addMptcpSubflowEndpoints();
            }
            out.print(n.describe());
            out.flush();
            if (check) {
                boolean ok = true;
                for (int i = 1; i <= specs.size(); i++) {
                    NetnsLinkCheck.Measurement m = NetnsLinkCheck.measure(n, i, 4, 5301);
                    boolean good = (Double.isNaN(m.rateMbit()) || Math.abs(m.rateError()) <= 0.02)
                            && Math.abs(m.delayErrorMs()) <= 1.0;
                    ok &= good;
                    out.printf(Locale.ROOT, "link %d: rate %.2f Mbit/s (set %.2f, %+.2f %%), one-way delay %.2f ms"
                                    + " (set %.2f, %+.2f ms) %s%n", i, m.rateMbit(), m.setRateMbit(),
                            100 * m.rateError(), m.oneWayDelayMs(), m.setDelayMs(), m.delayErrorMs(),
                            good ? "ok" : "OUT OF TOLERANCE (2 %, 1 ms)");
                }
                return ok ? 0 : 1;
            }
            out.println("forwarding; Ctrl-C stops and tears down");
            out.flush();
            CountDownLatch never = new CountDownLatch(1);
            long end = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration * 1_000_000_000L;
            while (System.nanoTime() - end < 0) {
                long sleepMs = interval > 0 ? interval * 1000L : 1000L;
                if (duration != null) {
                    sleepMs = Math.min(sleepMs, Math.max(1, (end - System.nanoTime()) / 1_000_000));
                }
                never.await(sleepMs, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (interval > 0) {
                    for (TunLink l : n.links()) {
                        DirectionStats up = l.stats(Direction.UP);
                        DirectionStats down = l.stats(Direction.DOWN);
                        out.printf(Locale.ROOT, "  %-8s up %9.2f MB (%d dropped, %d kB queued)  down %9.2f MB (%d dropped, %d kB queued)%n",
                                l.name(), up.bytesDelivered() / 1e6, up.dropped(), up.queuedBytes() / 1000,
                                down.bytesDelivered() / 1e6, down.dropped(), down.queuedBytes() / 1000);
                    }
                    out.flush();
                }
            }
            return 0;
        }
    }
}
