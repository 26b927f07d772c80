package io.quicbond.interop.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.interop.emulator.EmulatedLinks;
import io.quicbond.interop.emulator.LinkEmulator;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server side of a benchmark case, in a JVM of its own so that its CPU time and memory can be measured
 * apart from the client's. {@code BenchServerMain MODE [LINK-SPEC]}, MODE one of:
 * <ul>
 *   <li>{@code tcp}: a {@link TrafficServer} and a {@link TcpRelay} in front of it;</li>
 *   <li>{@code kwik}: a raw kwik server ({@link RawKwik}) serving the traffic protocol on its streams;</li>
 *   <li>{@code bond}: a bond server with loopback egress and a {@link TrafficServer} as its "internet"; with a
 *       LINK-SPEC, emulated links ({@link EmulatedLinks}) in front of the bond server.</li>
 * </ul>
 * Prints one JSON line (pid, ports, pin, link ports) on stdout when ready, then runs until stdin closes.
 */
public final class BenchServerMain {
    private static final Logger QUIET = Logger.getLogger("io.quicbond");

    private BenchServerMain() {
    }

    public static void main(String[] args) throws Exception {
        QUIET.setLevel(Level.WARNING);
        if (args.length < 1) {
            System.err.println("usage: BenchServerMain tcp|kwik|engine|bond [LINK-SPEC]");
            System.exit(2);
        }
        InetAddress loopback = InetAddress.getByAddress(new byte[]{127, 0, 0, 1});
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("pid", ProcStats.self());
        List<AutoCloseable> resources = new java.util.ArrayList<>();
        switch (args[0]) {
            case "tcp" -> {
                TrafficServer traffic = TrafficServer.start(loopback);
                TcpRelay relay = TcpRelay.start(loopback, traffic.address());
                resources.add(relay);
                resources.add(traffic);
                ready.put("port", relay.address().getPort());
                ready.put("traffic", traffic.address().getPort());
            }
            case "kwik" -> {
                ServerIdentity identity = ServerIdentity.generate(List.of("localhost", "127.0.0.1"));
                RawKwik.Server kwik = RawKwik.startServer(new InetSocketAddress(loopback, 0), identity);
                resources.add(kwik);
                ready.put("port", kwik.port());
                ready.put("pin", identity.pin());
            }
            case "engine" -> {
                RawEngine.Server raw = RawEngine.startServer(new InetSocketAddress(loopback, 0));
                resources.add(raw);
                ready.put("port", raw.port());
                ready.put("pin", raw.identity().pin());
            }
            case "bond" -> {
                TrafficServer traffic = TrafficServer.start(loopback);
                BondFixture.Server server = BondFixture.startServer(new InetSocketAddress(loopback, 0),
                        BondSettings.defaults());
                resources.add(server);
                resources.add(traffic);
                ready.put("port", server.address().getPort());
                ready.put("traffic", traffic.address().getPort());
                ready.put("pin", server.pin());
                if (args.length > 1) {
                    EmulatedLinks links = EmulatedLinks.start(server.address(), args[1]);
                    resources.addFirst(links);
                    Map<String, Integer> ports = new LinkedHashMap<>();
                    for (Map.Entry<String, LinkEmulator> e : links.links().entrySet()) {
                        ports.put(e.getKey(), e.getValue().localAddress().getPort());
                    }
                    ready.put("links", ports);
                }
            }
            default -> {
                System.err.println("unknown mode " + args[0]);
                System.exit(2);
            }
        }
        System.out.println(new ObjectMapper().writeValueAsString(ready));
        System.out.flush();
        waitForStdinToClose(System.in);
        for (AutoCloseable r : resources) {
            try {
                r.close();
            } catch (Exception ignored) {
                // exiting anyway
            }
        }
        System.exit(0);
    }

    private static void waitForStdinToClose(InputStream in) {
        try {
            while (in.read() >= 0) {
                // the orchestrator sends nothing; end of stream is the signal
            }
        } catch (IOException ignored) {
            // the orchestrator is gone: stop too
        }
    }
}
