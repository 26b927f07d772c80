package io.quicbond.interop.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.transport.Destination;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.session.BondClient;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.session.SessionStatus;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The client side of a benchmark case, in a JVM of its own (see {@link BenchServerMain}). Options, all
 * {@code --name value}: mode (tcp, kwik, engine, bond), port, traffic (bond: the traffic server's port), pin, uplinks
 * (bond over loopback: how many), links (bond over emulated links: name=port,...), policy, size (bytes),
 * directions (up,down), time-limit (seconds, uploads), server-pid, check (crc32c, sha256), warmup (bytes moved
 * each way, unmeasured, before the measured transfers; default 0).
 *
 * <p>Prints {@code PROGRESS direction bytes} about once a second, {@code RESULT json} after each transfer (with
 * both processes' CPU seconds during it, from /proc) and {@code DONE json} (this process's peak RSS) at the end.
 * Exit code 0, or 1 if a transfer broke off or arrived damaged.
 */
public final class BenchClientMain {
    private static final Logger QUIET = Logger.getLogger("io.quicbond");
    private static final ObjectMapper JSON = new ObjectMapper();

    private BenchClientMain() {
    }

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(Level.WARNING);
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        String mode = o.getOrDefault("mode", "bond");
        InetAddress loopback = InetAddress.getByAddress(new byte[]{127, 0, 0, 1});
        int port = Integer.parseInt(o.get("port"));
        long size = Long.parseLong(o.getOrDefault("size", Long.toString(30_000_000)));
        List<String> directions = List.of(o.getOrDefault("directions", "up,down").split(","));
        Duration limit = o.containsKey("time-limit") ? Duration.ofMillis((long) (Double.parseDouble(o.get("time-limit")) * 1000)) : null;
        long serverPid = Long.parseLong(o.getOrDefault("server-pid", "-1"));
        Check check = Check.valueOf(o.getOrDefault("check", "crc32c").toUpperCase(java.util.Locale.ROOT));
        long self = ProcStats.self();

        BondClient bond = null;
        if (mode.equals("bond")) {
            BondSettings settings = BondSettings.defaults()
                    .withDefaultPolicy(Policy.parse(o.getOrDefault("policy", "aggregate")));
            bond = BondFixture.newClient(o.get("pin"), settings);
            int count = 0;
            if (o.containsKey("links")) {
                for (String link : o.get("links").split(",")) {
                    String[] nameAndPort = link.split("=");
                    bond.addUplink(BondFixture.uplink(nameAndPort[0],
                            new InetSocketAddress(loopback, Integer.parseInt(nameAndPort[1])), loopback));
                    count++;
                }
            } else {
                count = Integer.parseInt(o.getOrDefault("uplinks", "1"));
                for (int i = 0; i < count; i++) {
                    bond.addUplink(BondFixture.uplink("link" + i, new InetSocketAddress(loopback, port), loopback));
                }
            }
            if (!bond.awaitUplinks(count, Duration.ofSeconds(30))) {
                System.out.println("ERROR uplinks did not come up: " + bond.status());
                System.exit(1);
            }
        }

        boolean allIntact = true;
        long seed = 1;
        long warmup = Long.parseLong(o.getOrDefault("warmup", "0"));
        if (warmup > 0) {
            // Unmeasured transfers first, so that the measured ones run on compiled code (C2 alone takes a few
            // CPU seconds per JVM).
            for (String direction : directions) {
                try (Duplex duplex = open(mode, loopback, port, o, bond)) {
                    TransferResult r = direction.equals("up")
                            ? TrafficClient.upload(duplex, warmup, check, 99, null, new AtomicLong())
                            : TrafficClient.download(duplex, warmup, check, 99, new AtomicLong());
                    System.out.println("WARMUP " + direction + " " + r.received() + " " + r.intact());
                }
            }
        }
        for (String direction : directions) {
            Duplex duplex = open(mode, loopback, port, o, bond);
            Map<String, long[]> uplinksBefore = uplinkBytes(bond);
            AtomicLong progress = new AtomicLong();
            Thread reporter = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(1000);
                        System.out.println("PROGRESS " + direction + " " + progress.get());
                    }
                } catch (InterruptedException ignored) {
                    // transfer over
                }
            });
            double clientCpu0 = ProcStats.cpuSeconds(self);
            double serverCpu0 = ProcStats.cpuSeconds(serverPid);
            TransferResult r = direction.equals("up")
                    ? TrafficClient.upload(duplex, size, check, seed++, limit, progress)
                    : TrafficClient.download(duplex, size, check, seed++, progress);
            double clientCpu = ProcStats.cpuSeconds(self) - clientCpu0;
            double serverCpu = ProcStats.cpuSeconds(serverPid) - serverCpu0;
            reporter.interrupt();
            duplex.close();
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("direction", r.direction());
            line.put("bytes", r.received());
            line.put("seconds", r.seconds());
            line.put("mbit", r.mbitPerSecond());
            line.put("intact", r.intact());
            line.put("maxGapMs", r.maxGapNanos() / 1e6);
            line.put("clientCpu", clientCpu);
            line.put("serverCpu", serverCpu);
            line.put("error", r.error());
            if (bond != null) {
                Map<String, long[]> after = uplinkBytes(bond);
                Map<String, Long> carried = new LinkedHashMap<>();
                after.forEach((name, v) -> {
                    long[] b = uplinksBefore.getOrDefault(name, new long[2]);
                    carried.put(name, direction.equals("up") ? v[0] - b[0] : v[1] - b[1]);
                });
                line.put("uplinkBytes", carried);
            }
            if (!r.intact()) {
                allIntact = false;
                line.put("sentDigest", r.sentDigest());
                line.put("receivedDigest", r.receivedDigest());
                line.put("sent", r.sent());
            }
            System.out.println("RESULT " + JSON.writeValueAsString(line));
        }
        Map<String, Object> done = new LinkedHashMap<>();
        done.put("peakRss", ProcStats.peakRssBytes(self));
        done.put("nudges", RawKwik.nudges());
        if (bond != null) {
            done.put("reinjectedBytes", bond.status().session().reinjectedBytes());
            bond.close();
        }
        System.out.println("DONE " + JSON.writeValueAsString(done));
        System.out.flush();
        System.exit(allIntact ? 0 : 1);
    }

    private static Duplex open(String mode, InetAddress loopback, int port, Map<String, String> o, BondClient bond)
            throws Exception {
        return switch (mode) {
            case "tcp" -> {
                Socket s = new Socket(loopback, port);
                s.setTcpNoDelay(true);
                yield Duplex.of(s);
            }
            case "kwik" -> RawKwik.connect(new InetSocketAddress(loopback, port), o.get("pin"));
            case "engine" -> RawEngine.connect(new InetSocketAddress(loopback, port), o.get("pin"));
            case "bond" -> Duplex.of(bond.openTcp(new Destination("127.0.0.1", Integer.parseInt(o.get("traffic")))));
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    /** Per uplink name: flow bytes sent and received so far. */
    private static Map<String, long[]> uplinkBytes(BondClient bond) {
        Map<String, long[]> out = new LinkedHashMap<>();
        if (bond != null) {
            for (SessionStatus.UplinkStatus u : bond.status().session().uplinks()) {
                out.put(u.name(), new long[]{u.bytesSent(), u.bytesReceived()});
            }
        }
        return out;
    }
}
