package io.quicbond.interop.emulator;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs one emulated link from the command line and prints its counters, so that settings can be tried by hand:
 * {@code --target host:port --listen host:port --up 40mbit/20ms/1% --down 40mbit/20ms}.
 */
@Command(name = "link-emulator", mixinStandardHelpOptions = true,
        description = {
                "A UDP relay that behaves like a network link: rate, one-way delay, random loss, queue limit, outages.",
                "Profiles: parts separated by '/', e.g. 40mbit/20ms/1%%/q=256k; 'unlimited'; 'off' starts it cut.",
                "Rates are decimal (1mbit = 10^6 bit/s) and count UDP payload only."})
public final class LinkEmulatorCommand implements Callable<Integer> {

    @Option(names = "--target", required = true, paramLabel = "HOST:PORT",
            description = "Where to relay the client's datagrams (e.g. the bond server).")
    InetSocketAddress target;

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "Where the client sends its datagrams (default: ${DEFAULT-VALUE}; port 0 picks one).")
    InetSocketAddress listen;

    @Option(names = "--up", paramLabel = "PROFILE", defaultValue = "unlimited",
            description = "Client to target (default: ${DEFAULT-VALUE}).")
    LinkProfile up;

    @Option(names = "--down", paramLabel = "PROFILE",
            description = "Target to client (default: the same as --up).")
    LinkProfile down;

    @Option(names = "--schedule", paramLabel = "ACTIONS",
            description = "Scripted outages from start, e.g. cut@5s,restore@8s.")
    String schedule;

    @Option(names = "--interval", paramLabel = "TIME", defaultValue = "1s",
            description = "How often to print counters (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--duration", paramLabel = "TIME",
            description = "Stop after this long (default: run until killed).")
    Duration duration;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(System.out, System.err, args));
    }

    /** The whole command, with its output streams given, so that it can run inside a test. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        CommandLine cli = new CommandLine(new LinkEmulatorCommand());
        cli.registerConverter(InetSocketAddress.class, LinkEmulatorCommand::hostAndPort);
        cli.registerConverter(LinkProfile.class, text -> convert(() -> LinkProfile.parse(text)));
        cli.registerConverter(Duration.class, text -> convert(() -> SpecParser.parseTime(text)));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        List<ScheduledAction> actions;
        try {
            actions = schedule == null ? List.of() : ScheduledAction.parseList(schedule);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--schedule: " + e.getMessage(), e);
        }
        if (interval.isZero()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--interval must be more than 0");
        }
        LinkProfile downProfile = down == null ? up : down;
        try (LinkEmulator link = LinkEmulator.start(listen, target, up, downProfile)) {
            out.printf("relay %s -> %s%n  up   %s%n  down %s%n", show(link.localAddress()),
                    show(target), up.toSpec(), downProfile.toSpec());
            if (!actions.isEmpty()) {
                out.println("  schedule " + actions);
                link.schedule(actions);
            }
            long start = System.nanoTime();
            long end = duration == null ? Long.MAX_VALUE : duration.toNanos();
            long step = interval.toNanos();
            LinkEmulator.Stats previous = link.stats();
            for (long tick = step; ; tick += step) {
                long due = Math.min(tick, end);
                long wait;
                while ((wait = start + due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                    if (Thread.currentThread().isInterrupted()) {
                        return 130;
                    }
                }
                LinkEmulator.Stats now = link.stats();
                double seconds = (due - (tick - step)) / 1e9;
                out.printf(Locale.ROOT, "%7.1fs%s%n", due / 1e9, link.isCut() ? "  CUT" : "");
                out.println(line("up  ", previous.up(), now.up(), seconds));
                out.println(line("down", previous.down(), now.down(), seconds));
                previous = now;
                if (due >= end) {
                    out.printf("total up   %s%ntotal down %s%n", now.up(), now.down());
                    return 0;
                }
            }
        }
    }

    private static String line(String label, DirectionStats before, DirectionStats after, double seconds) {
        return String.format(Locale.ROOT,
                "  %s in %7d pkt %8.2f Mbit/s | out %7d pkt %8.2f Mbit/s | drop queue %d loss %d outage %d"
                        + " | queued %d B",
                label,
                after.packetsIn() - before.packetsIn(), mbit(after.bytesIn() - before.bytesIn(), seconds),
                after.packetsDelivered() - before.packetsDelivered(),
                mbit(after.bytesDelivered() - before.bytesDelivered(), seconds),
                after.droppedQueue() - before.droppedQueue(), after.droppedLoss() - before.droppedLoss(),
                after.droppedOutage() - before.droppedOutage(), after.queuedBytes());
    }

    private static double mbit(long bytes, double seconds) {
        return seconds <= 0 ? 0 : bytes * 8 / seconds / 1e6;
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T convert(Parse<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            // picocli would otherwise append the exception's class name to the user's error message.
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** Accepts host:port and [v6]:port; the host is resolved here, so that a typo fails before anything starts. */
    static InetSocketAddress hostAndPort(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new CommandLine.TypeConversionException("expected host:port, got " + SpecParser.quote(text));
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new CommandLine.TypeConversionException("IPv6 addresses need brackets, e.g. [::1]:4433");
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new CommandLine.TypeConversionException("bad port in " + SpecParser.quote(text));
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.TypeConversionException("port out of range in " + SpecParser.quote(text));
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new CommandLine.TypeConversionException("cannot resolve host " + SpecParser.quote(host));
        }
        return address;
    }

    private static String show(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
