package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.server.cli.BondServerCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where the kernel refuses MPTCP ({@code net.mptcp.enabled=0} in network namespace {@code qbv-f}), our VLESS server
 * and client (JVMs in that namespace, both configured with {@code mptcp: true}) log one warning each, use plain TCP,
 * and still carry a download. Root only.
 */
@Timeout(180)
class VlessMptcpFallbackIT {
    private static final String NS = "qbv-f";
    private static final UUID USER = UUID.fromString("5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716");
    private final List<Process> processes = new ArrayList<>();
    private Path dir;

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        new ProcessBuilder("ip", "netns", "del", NS).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
    }

    @Test
    void bothEndsFallBackToTcpWithAWarningAndStillWork() throws Exception {
        assumeTrue("0".equals(run("id", "-u").strip()), "needs root (network namespaces)");
        assumeTrue(Processes.installed("curl"), "curl is not installed");
        run("ip", "netns", "del", NS);
        sh("ip", "netns", "add", NS);
        sh("ip", "-n", NS, "link", "set", "lo", "up");
        sh("ip", "netns", "exec", NS, "sysctl", "-qw", "net.mptcp.enabled=0");
        dir = Files.createTempDirectory("quicbond-mptcp-fallback-it");
        Files.createDirectories(dir.resolve("www"));
        Files.writeString(dir.resolve("www/file"), "through plain TCP\n");

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), "init", "--dir",
                dir.resolve("server").toString(), "--listen", "127.0.0.1:14434", "--public-address", "127.0.0.1",
                "--user", "alice"), err.toString());
        Path serverJson = dir.resolve("server/server.json");
        assertEquals(0, BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), "user", "vless", "alice",
                "--uuid", USER.toString(), "--config", serverJson.toString()), err.toString());
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(serverJson.toFile());
        config.putObject("egress").putArray("allow").add("127.0.0.0/8");
        config.put("engine", "kwik");
        config.putObject("vless").putArray("listeners").addObject().put("listen", "127.0.0.1:16390");
        new ObjectMapper().writeValue(serverJson.toFile(), config);
        Path clientJson = dir.resolve("client.json");
        Files.writeString(clientJson, """
                {"transport": {"type": "vless", "server": "127.0.0.1:16390", "uuid": "%s"},
                 "socks5": {"listen": "127.0.0.1:1081"}, "status_listen": "127.0.0.1:7072"}
                """.formatted(USER));
        String cp = System.getProperty("java.class.path");
        String java = ProcessHandle.current().info().command().orElse("java");
        processes.add(startIn(dir.resolve("files.log"), java, "-Xmx128m", "-cp", cp,
                StaticFileServerMain.class.getName(), "18081", dir.resolve("www/file").toString()));
        processes.add(startIn(dir.resolve("server.log"), java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", cp,
                "io.quicbond.server.cli.BondServerCommand", "run", "--config", serverJson.toString()));
        processes.add(startIn(dir.resolve("client.log"), java, "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-cp", cp,
                "io.quicbond.client.cli.BondClientCommand", "run", "--config", clientJson.toString()));
        for (int port : new int[]{16390, 1081, 18081}) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!run("ip", "netns", "exec", NS, "ss", "-Htln", "sport", "= :" + port).contains(":" + port)) {
                assertTrue(System.nanoTime() < deadline, "nothing listens on " + port + ": "
                        + Files.readString(dir.resolve("server.log")) + Files.readString(dir.resolve("client.log")));
                Thread.sleep(200);
            }
        }
        String body = run("ip", "netns", "exec", NS, "curl", "-sS", "--fail", "--socks5-hostname", "127.0.0.1:1081",
                "http://127.0.0.1:18081/file");
        assertEquals("through plain TCP\n", body);
        String serverLog = Files.readString(dir.resolve("server.log"));
        String clientLog = Files.readString(dir.resolve("client.log"));
        assertTrue(serverLog.contains("MPTCP unavailable") && serverLog.contains("listening with plain TCP"), serverLog);
        assertTrue(clientLog.contains("MPTCP unavailable") && clientLog.contains("with plain TCP"), clientLog);
        assertEquals(1, clientLog.lines().filter(l -> l.contains("MPTCP unavailable")).count(), "one warning");
    }

    private Process startIn(Path log, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", NS));
        full.addAll(List.of(command));
        ProcessBuilder b = new ProcessBuilder(full).redirectErrorStream(true);
        b.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        b.redirectOutput(log.toFile());
        return b.start();
    }

    private static void sh(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command) + ": " + output);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor(60, TimeUnit.SECONDS);
        return output;
    }
}
