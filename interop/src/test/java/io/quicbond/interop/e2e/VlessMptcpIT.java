package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.server.cli.BondServerCommand;
import io.quicbond.transport.os.Mptcp;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import io.quicbond.interop.matrix.MatrixCell;
import io.quicbond.interop.matrix.MatrixRecorder;

/**
 * Compat mode over real kernel MPTCP, proven from the kernel's side: our VLESS client and our VLESS server run as
 * JVMs in two network namespaces ({@code qbv-c}, {@code qbv-s}) joined by two veth links; the client namespace gets
 * {@code ip mptcp limits} and a subflow endpoint on the second link. curl in the client namespace downloads a file
 * through our SOCKS5 → VLESS → our server → a file server in the server namespace; while it runs, {@code ss} must
 * show the MPTCP connection with an extra subflow and TCP subflows from both links' addresses; then the first link
 * is taken down and the download must still complete with an equal SHA-256. Root only; skipped otherwise.
 */
@Timeout(300)
@ExtendWith(MatrixRecorder.class)
class VlessMptcpIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT_NS = "qbv-c";
    private static final String SERVER_NS = "qbv-s";
    private static final String SERVER_ADDRESS = "10.201.1.2";
    private static final int VLESS_PORT = 16384;
    private static final int FILE_PORT = 18080;
    private static final int FILE_BYTES = 120_000_000;
    private static final UUID USER = UUID.fromString("3c9a1f6e-2b4d-4e8a-9f10-7d6c5b4a3928");
    private static Path dir;
    private static final List<Process> processes = new ArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue("0".equals(run("id", "-u").trim()), "needs root (network namespaces)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")), "no ip");
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        assumeTrue(Mptcp.unavailableReason().isEmpty(), () -> "no MPTCP: " + Mptcp.unavailableReason().orElse(""));
        tearDownNamespaces();
        dir = Files.createTempDirectory("quicbond-mptcp-it");
        sh("ip netns add " + CLIENT_NS);
        sh("ip netns add " + SERVER_NS);
        for (int link = 1; link <= 2; link++) {
            sh("ip link add qbv-c" + link + " netns " + CLIENT_NS + " type veth peer name qbv-s" + link
                    + " netns " + SERVER_NS);
            sh("ip -n " + CLIENT_NS + " addr add 10.201." + link + ".1/24 dev qbv-c" + link);
            sh("ip -n " + SERVER_NS + " addr add 10.201." + link + ".2/24 dev qbv-s" + link);
            sh("ip -n " + CLIENT_NS + " link set qbv-c" + link + " up");
            sh("ip -n " + SERVER_NS + " link set qbv-s" + link + " up");
        }
        for (String ns : List.of(CLIENT_NS, SERVER_NS)) {
            sh("ip -n " + ns + " link set lo up");
            sh("ip netns exec " + ns + " sysctl -qw net.ipv4.conf.all.rp_filter=0 net.mptcp.enabled=1");
            sh("ip -n " + ns + " mptcp limits set subflow 4 add_addr_accepted 4");
        }
        // The second link's subflow leaves through the second link, toward the server's first address.
        sh("ip -n " + CLIENT_NS + " route add " + SERVER_ADDRESS + "/32 via 10.201.2.2 dev qbv-c2 table 102");
        sh("ip -n " + CLIENT_NS + " rule add from 10.201.2.1 table 102");
        sh("ip -n " + CLIENT_NS + " mptcp endpoint add 10.201.2.1 dev qbv-c2 subflow");

        byte[] file = new byte[FILE_BYTES];
        new Random(11).nextBytes(file);
        Files.createDirectories(dir.resolve("www"));
        Files.write(dir.resolve("www/file"), file);

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), "init", "--dir",
                dir.resolve("server").toString(), "--listen", "127.0.0.1:14433", "--public-address", "127.0.0.1",
                "--user", "alice"), err.toString());
        Path serverJson = dir.resolve("server/server.json");
        assertEquals(0, BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), "user", "vless", "alice",
                "--uuid", USER.toString(), "--config", serverJson.toString()), err.toString());
        ObjectNode config = (ObjectNode) JSON.readTree(serverJson.toFile());
        config.putObject("egress").putArray("allow").add("127.0.0.0/8");
        config.put("engine", "kwik");
        ObjectNode listener = config.putObject("vless").putArray("listeners").addObject();
        listener.put("listen", "0.0.0.0:" + VLESS_PORT);
        listener.put("mptcp", true);
        JSON.writeValue(serverJson.toFile(), config);
        Path clientJson = dir.resolve("client.json");
        Files.writeString(clientJson, """
                {"transport": {"type": "vless", "server": "%s:%d", "uuid": "%s", "mptcp": true},
                 "socks5": {"listen": "127.0.0.1:1080"}}
                """.formatted(SERVER_ADDRESS, VLESS_PORT, USER));

        processes.add(startIn(SERVER_NS, dir.resolve("file-server.log"), java(), "-Xmx128m", "-cp",
                System.getProperty("java.class.path"), StaticFileServerMain.class.getName(), String.valueOf(FILE_PORT),
                dir.resolve("www/file").toString()));
        processes.add(startIn(SERVER_NS, dir.resolve("server.log"), java(), "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.quicbond.server.cli.BondServerCommand", "run", "--config",
                serverJson.toString()));
        processes.add(startIn(CLIENT_NS, dir.resolve("client.log"), java(), "-Xmx256m",
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), "io.quicbond.client.cli.BondClientCommand", "run", "--config",
                clientJson.toString()));
        awaitListening(SERVER_NS, VLESS_PORT);
        awaitListening(SERVER_NS, FILE_PORT);
        awaitListening(CLIENT_NS, 1080);
    }

    @AfterAll
    static void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        tearDownNamespaces();
    }

    private static void tearDownNamespaces() throws Exception {
        for (String ns : List.of(CLIENT_NS, SERVER_NS)) {
            new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }

    @MatrixCell(peer = "kernel MPTCP (VLESS, our client and server)", scenario = "download over 2 links, first link cut")
    @Test
    void downloadUsesSubflowsOnBothLinksAndSurvivesTheFirstLinkGoingDown() throws Exception {
        Path received = dir.resolve("received");
        Process curl = startIn(CLIENT_NS, dir.resolve("curl.log"), "curl", "-sS", "--fail", "--limit-rate", "12M",
                "--socks5-hostname", "127.0.0.1:1080", "-o", received.toString(),
                "http://127.0.0.1:" + FILE_PORT + "/file");
        processes.add(curl);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (size(received) < FILE_BYTES / 5) {
            assertTrue(curl.isAlive() || size(received) == FILE_BYTES, "curl ended early: " + log("curl.log")
                    + "\nclient: " + log("client.log") + "\nserver: " + log("server.log"));
            assertTrue(System.nanoTime() < deadline, "download did not start: " + log("client.log"));
            Thread.sleep(100);
        }
        String mptcpSockets = run("ip", "netns", "exec", CLIENT_NS, "ss", "-Mtin");
        String tcpSubflows = run("ip", "netns", "exec", CLIENT_NS, "ss", "-tnH", "state", "established", "dst",
                SERVER_ADDRESS + ":" + VLESS_PORT);
        System.out.println("ss -Mti in " + CLIENT_NS + ":\n" + mptcpSockets + "\nTCP subflows:\n" + tcpSubflows);
        String listeners = run("ip", "netns", "exec", SERVER_NS, "ss", "-MlnH");
        assertTrue(listeners.contains(":" + VLESS_PORT), "our VLESS listener is a kernel MPTCP socket: " + listeners);
        Matcher subflows = Pattern.compile("subflows:(\\d+)").matcher(mptcpSockets);
        assertTrue(subflows.find() && Integer.parseInt(subflows.group(1)) >= 1,
                "the kernel shows an MPTCP connection with an extra subflow: " + mptcpSockets);
        assertTrue(tcpSubflows.contains("10.201.1.1") && tcpSubflows.contains("10.201.2.1"),
                "TCP subflows from both links' addresses: " + tcpSubflows);

        sh("ip -n " + CLIENT_NS + " link set qbv-c1 down");
        long cutAt = size(received);
        assertTrue(curl.waitFor(120, TimeUnit.SECONDS), "download finished after the cut");
        assertEquals(0, curl.exitValue(), log("curl.log"));
        assertTrue(cutAt < FILE_BYTES, "the cut happened mid-transfer");
        System.out.println("first link down at " + cutAt + " of " + FILE_BYTES + " bytes");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        assertArrayEquals(sha.digest(Files.readAllBytes(dir.resolve("www/file"))),
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(received)), "SHA-256 of the download");
    }

    private static long size(Path p) throws IOException {
        return Files.exists(p) ? Files.size(p) : 0;
    }

    private static String log(String name) {
        try {
            String text = Files.readString(dir.resolve(name));
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no " + name + ")";
        }
    }

    private static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    private static Process startIn(String ns, Path log, String... command) throws IOException {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        full.addAll(List.of(command));
        ProcessBuilder builder = new ProcessBuilder(full);
        builder.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        builder.redirectErrorStream(true);
        builder.redirectOutput(log.toFile());
        return builder.start();
    }

    private static void awaitListening(String ns, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!run("ip", "netns", "exec", ns, "ss", "-Htln", "sport", "= :" + port).contains(":" + port)) {
            assertTrue(System.nanoTime() < deadline, ns + ": nothing listens on " + port + "\nserver: "
                    + log("server.log") + "\nclient: " + log("client.log"));
            Thread.sleep(200);
        }
    }

    private static void sh(String command) throws Exception {
        String[] argv = command.split(" ");
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), command);
        assertEquals(0, p.exitValue(), command + ": " + output);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (InputStream in = p.getInputStream()) {
            String output = new String(in.readAllBytes());
            p.waitFor(30, TimeUnit.SECONDS);
            return output;
        }
    }
}
