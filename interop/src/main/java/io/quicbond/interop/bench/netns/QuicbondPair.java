package io.quicbond.interop.bench.netns;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.client.cli.BondClientCommand;
import io.quicbond.interop.emulator.ip.Netns;
import io.quicbond.interop.emulator.ip.NetnsLinks;
import io.quicbond.server.cli.BondServerCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * bond-server in the server namespace and bond-client in the client namespace, each a JVM of its own started with
 * {@code ip netns exec}, exactly as a user runs them ({@code run -c server.json}, {@code run --config
 * client.json}). The client has one uplink per link, bound to that link's client address, all to link 1's
 * server address; a TCP forward to the server namespace's iperf3 and two UDP forwards (one whose destination
 * port a policy rule sends redundant, one left to the default, aggregate). Called from one thread.
 *
 * <p>In VLESS mode (the {@code vless-mptcp} system) the same two JVMs run compat mode instead: the server gets a
 * VLESS listener over kernel MPTCP on link 1's address ({@link #VLESS_PORT}) and the client sends every forwarded
 * flow as its own VLESS connection over MPTCP ({@code transport.type: vless}); the kernel's subflow endpoints, not
 * quicbond uplinks, spread it over the links. The forwards are the same; the UDP policy rule does not apply.
 */
final class QuicbondPair implements AutoCloseable {
    static final int SERVER_PORT = 4433;
    static final int TCP_FORWARD = 15201;
    static final int IPERF_PORT = 5201;
    static final int UDP_FORWARD_REDUNDANT = 15301;
    static final int UDP_REDUNDANT_TARGET = 5301;
    static final int UDP_FORWARD_AGGREGATE = 15302;
    static final int UDP_AGGREGATE_TARGET = 5302;
    static final int VLESS_PORT = 16384;
    /** The bench user's VLESS UUID in VLESS mode. */
    static final String VLESS_UUID = "5b0e8f3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
    private static final int STATUS_PORT = 17071;
    private static final int SERVER_STATUS_PORT = 7081;
    /** Added to every port a VLESS-mode pair listens on, so it runs beside a bond pair on the same links. */
    private static final int VLESS_PORT_OFFSET = 1000;
    /** Added to every port a kwik pair listens on, so it runs beside the quiche pair. */
    private static final int KWIK_PORT_OFFSET = 2000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String engine;
    private final boolean vless;
    private final int portOffset;
    private final NetnsLinks links;
    private final Process server;
    private final Process client;

    private QuicbondPair(String engine, boolean vless, NetnsLinks links, Process server, Process client) {
        this.engine = engine;
        this.vless = vless;
        this.portOffset = portOffset(engine, vless);
        this.links = links;
        this.server = server;
        this.client = client;
    }

    /**
     * Writes both configs into {@code dir}, starts both JVMs and waits until every uplink is up (VLESS mode: until
     * the client's status endpoint answers and the server's VLESS port listens).
     *
     * @param engine      the bond's QUIC engine (VLESS mode: the server's, for its unused bond listener)
     * @param vless       compat mode: VLESS over kernel MPTCP between our client and our server
     * @param javaCommand java binary, options and class path, to which the main class and its arguments are added
     */
    static QuicbondPair start(NetnsLinks links, String engine, boolean vless, Path dir, List<String> javaCommand,
                              Duration wait)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String serverAddress = links.serverAddress(1);
        int offset = portOffset(engine, vless);
        int code = BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), "init", "--dir", dir.toString(),
                "--force", "--listen", serverAddress + ":" + (SERVER_PORT + offset), "--public-address", serverAddress,
                "--user", "bench");
        if (code != 0) {
            throw new IOException("bond-server init failed: " + err);
        }
        String shareLink = out.toString().lines().map(String::trim).filter(l -> l.startsWith("quicbond://"))
                .findFirst().orElseThrow(() -> new IOException("bond-server init printed no share link: " + out));
        Path serverJson = dir.resolve("server.json");
        ObjectNode serverConfig = (ObjectNode) JSON.readTree(serverJson.toFile());
        serverConfig.putObject("egress").putArray("allow").add("127.0.0.0/8");
        serverConfig.put("engine", engine);
        serverConfig.put("status_listen", "127.0.0.1:" + (SERVER_STATUS_PORT + offset));
        if (vless) {
            code = BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), "user", "vless", "bench",
                    "--uuid", VLESS_UUID, "--config", serverJson.toString());
            if (code != 0) {
                throw new IOException("bond-server user vless failed: " + err);
            }
            ObjectNode listener = serverConfig.putObject("vless").putArray("listeners").addObject();
            listener.put("listen", serverAddress + ":" + VLESS_PORT).put("mptcp", true);
            listener.putArray("users").add("bench");
        }
        JSON.writerWithDefaultPrettyPrinter().writeValue(serverJson.toFile(), serverConfig);

        Path clientJson = dir.resolve("client.json");
        code = BondClientCommand.run(new PrintWriter(out), new PrintWriter(err), "config", "--link", shareLink,
                "--out", clientJson.toString(), "--force");
        if (code != 0) {
            throw new IOException("bond-client config failed: " + err);
        }
        ObjectNode clientConfig = (ObjectNode) JSON.readTree(clientJson.toFile());
        ArrayNode uplinks = clientConfig.putArray("uplinks");
        for (int i = 1; i <= links.links().size(); i++) {
            uplinks.addObject().put("name", links.links().get(i - 1).name()).put("bind_address", links.clientAddress(i));
        }
        clientConfig.remove("socks5");
        clientConfig.remove("http");
        clientConfig.put("status_listen", "127.0.0.1:" + (STATUS_PORT + offset));
        clientConfig.put("engine", engine);
        if (vless) {
            // Compat mode: no bond session, no uplinks; the kernel's subflow endpoints use the links.
            clientConfig.putArray("uplinks");
            clientConfig.remove("server");
            clientConfig.remove("user");
            clientConfig.remove("secret");
            clientConfig.putObject("transport").put("type", "vless").put("server", serverAddress + ":" + VLESS_PORT)
                    .put("uuid", VLESS_UUID).put("mptcp", true);
        }
        ArrayNode forwards = clientConfig.putArray("forwards");
        forwards.addObject().put("protocol", "tcp").put("listen", "127.0.0.1:" + (TCP_FORWARD + offset))
                .put("to", "127.0.0.1:" + IPERF_PORT);
        forwards.addObject().put("protocol", "udp").put("listen", "127.0.0.1:" + (UDP_FORWARD_REDUNDANT + offset))
                .put("to", "127.0.0.1:" + UDP_REDUNDANT_TARGET);
        forwards.addObject().put("protocol", "udp").put("listen", "127.0.0.1:" + (UDP_FORWARD_AGGREGATE + offset))
                .put("to", "127.0.0.1:" + UDP_AGGREGATE_TARGET);
        ObjectNode policy = clientConfig.putObject("policy");
        policy.put("default", "aggregate");
        policy.putArray("rules").addObject().put("protocol", "udp").put("ports", Integer.toString(UDP_REDUNDANT_TARGET))
                .put("policy", "redundant");
        JSON.writerWithDefaultPrettyPrinter().writeValue(clientJson.toFile(), clientConfig);

        Process server = launch(links.serverNamespace(), javaCommand, "io.quicbond.server.cli.BondServerCommand",
                List.of("run", "-c", serverJson.toString()), dir.resolve("server.log"));
        Process client = null;
        try {
            Thread.sleep(1500);
            client = launch(links.clientNamespace(), javaCommand, "io.quicbond.client.cli.BondClientCommand",
                    List.of("run", "--config", clientJson.toString()), dir.resolve("client.log"));
            QuicbondPair pair = new QuicbondPair(engine, vless, links, server, client);
            pair.awaitUplinks(wait);
            return pair;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop(client);
            stop(server);
            throw e;
        }
    }

    private static Process launch(String ns, List<String> javaCommand, String main, List<String> args, Path log)
            throws IOException {
        List<String> cmd = new ArrayList<>(javaCommand);
        cmd.add(main);
        cmd.addAll(args);
        return ChildProcesses.track(new ProcessBuilder(NetnsLinks.inNamespace(ns, cmd)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
    }

    private static int portOffset(String engine, boolean vless) {
        return vless ? VLESS_PORT_OFFSET : engine.equals("kwik") ? KWIK_PORT_OFFSET : 0;
    }

    String engine() {
        return engine;
    }

    /** The client namespace's loopback port whose TCP forward reaches iperf3 ({@link #IPERF_PORT}). */
    int tcpForward() {
        return TCP_FORWARD + portOffset;
    }

    /** The client namespace's loopback port whose UDP forward reaches {@link #UDP_REDUNDANT_TARGET}. */
    int udpForwardRedundant() {
        return UDP_FORWARD_REDUNDANT + portOffset;
    }

    /** The client namespace's loopback port whose UDP forward reaches {@link #UDP_AGGREGATE_TARGET}. */
    int udpForwardAggregate() {
        return UDP_FORWARD_AGGREGATE + portOffset;
    }

    /**
     * Waits until the client reports every configured uplink up; in VLESS mode (no uplinks) until the client's
     * status endpoint answers and the server's VLESS port listens.
     */
    void awaitUplinks(Duration wait) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        int want = links.links().size();
        int up = -1;
        while (System.nanoTime() - deadline < 0) {
            if (!client.isAlive() || !server.isAlive()) {
                throw new IOException("bond-" + (client.isAlive() ? "server" : "client") + " exited; see its log");
            }
            up = uplinksUp();
            if (vless ? up >= 0 && vlessListening() : up == want) {
                return;
            }
            Thread.sleep(200);
        }
        throw new IOException(vless ? "VLESS client status or server listener not up after " + wait.toSeconds() + " s"
                : "only " + up + " of " + want + " uplinks up after " + wait.toSeconds() + " s");
    }

    /** Whether the server namespace has a socket listening on the VLESS port (asked of ss, so no probe connects). */
    private boolean vlessListening() {
        try {
            return NetnsLinks.Shell.output("ip", "netns", "exec", links.serverNamespace(), "ss", "-Hltn",
                    "sport = :" + VLESS_PORT).contains(":" + VLESS_PORT);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The client's /health answer's uplinks_up, or -1 while it does not answer. */
    int uplinksUp() {
        try {
            String body = Netns.call(links.clientNamespace(), () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", STATUS_PORT + portOffset), 1000);
                    s.setSoTimeout(2000);
                    OutputStream o = s.getOutputStream();
                    o.write("GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    o.flush();
                    InputStream in = s.getInputStream();
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            });
            int start = body.indexOf('{');
            if (start < 0) {
                return -1;
            }
            JsonNode health = JSON.readTree(body.substring(start));
            return health.path("uplinks_up").asInt(-1);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static void stop(Process p) throws InterruptedException {
        if (p != null && p.isAlive()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        try {
            stop(client);
            stop(server);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
