package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A test's network namespaces and the programs it runs inside them, each with its output in a log under
 * {@link #dir()}. {@link #close()} stops the programs (newest first) and deletes the namespaces. Called from the test
 * thread; every command that must succeed fails the test with its stderr.
 */
final class Namespaces implements AutoCloseable {
    private final List<String> names;
    private final Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final List<Path> logs = new ArrayList<>();

    /** Skips the test unless it runs as root and every tool (an absolute path) is installed. */
    static void assumeRootWith(String... tools) {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (network namespaces, nftables)");
        for (String tool : tools) {
            assumeTrue(Files.isExecutable(Path.of(tool)), tool + " is not installed (see .ci/run)");
        }
    }

    /** Deletes what an earlier run left of these namespaces, and makes a temporary directory for logs and files. */
    Namespaces(String tempPrefix, List<String> names) throws Exception {
        this.names = List.copyOf(names);
        delete();
        this.dir = Files.createTempDirectory(tempPrefix);
    }

    /** Adds every namespace, each with its loopback up. */
    void add() throws Exception {
        for (String ns : names) {
            host("ip netns add " + ns);
            sh(ns, "ip link set lo up");
        }
    }

    Path dir() {
        return dir;
    }

    /** A veth pair between two namespaces, an IPv4 address on each end, both up. */
    void link(String nsA, String ifA, String v4A, String nsB, String ifB, String v4B) throws Exception {
        host("ip link add " + ifA + " netns " + nsA + " type veth peer name " + ifB + " netns " + nsB);
        sh(nsA, "ip addr add " + v4A + " dev " + ifA + " && ip link set " + ifA + " up");
        sh(nsB, "ip addr add " + v4B + " dev " + ifB + " && ip link set " + ifB + " up");
    }

    /** A veth pair between two namespaces; each address may be null (none), IPv6 without duplicate address detection. */
    void link(String nsA, String ifA, String v4A, String v6A, String nsB, String ifB, String v4B, String v6B)
            throws Exception {
        host("ip link add " + ifA + " netns " + nsA + " type veth peer name " + ifB + " netns " + nsB);
        for (String[] side : new String[][]{{nsA, ifA, v4A, v6A}, {nsB, ifB, v4B, v6B}}) {
            if (side[2] != null) {
                sh(side[0], "ip addr add " + side[2] + " dev " + side[1]);
            }
            // No duplicate address detection: a link taken down and up again gets its link-local address back at once.
            sh(side[0], "sysctl -qw net.ipv6.conf." + side[1] + ".accept_dad=0");
            if (side[3] != null) {
                sh(side[0], "ip -6 addr add " + side[3] + " dev " + side[1] + " nodad");
            }
            sh(side[0], "ip link set " + side[1] + " up");
        }
    }

    /** Starts a long-running program in {@code ns}, with no proxy from the environment, logging to {@code name.log}. */
    Process start(String ns, String name, String... command) throws IOException {
        Path log = dir.resolve(name + ".log");
        ProcessBuilder b = new ProcessBuilder(inside(ns, command)).redirectErrorStream(true).redirectOutput(log.toFile());
        b.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        Process p = b.start();
        processes.add(p);
        logs.add(log);
        return p;
    }

    /** Runs a program in {@code ns} to its end. */
    Processes.Result run(long timeoutSeconds, String ns, String... command) throws Exception {
        return Processes.run(timeoutSeconds, inside(ns, command).toArray(String[]::new));
    }

    /** Runs a shell command line in {@code ns}; it must succeed; returns its output and stderr. */
    String sh(String ns, String commandLine) throws Exception {
        Processes.Result r = run(30, ns, "/bin/sh", "-c", commandLine);
        assertEquals(0, r.exitCode(), ns + ": " + commandLine + ": " + r.err());
        return r.outText() + r.err();
    }

    /** Runs a shell command line outside the namespaces; it must succeed. */
    static void host(String commandLine) throws Exception {
        Processes.Result r = Processes.run(30, "/bin/sh", "-c", commandLine);
        assertEquals(0, r.exitCode(), commandLine + ": " + r.err());
    }

    /** The command line that runs {@code main} from the test class path in a small JVM, as the launchers do. */
    static String[] java(String main, String... args) {
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), main));
        c.addAll(List.of(args));
        return c.toArray(String[]::new);
    }

    /**
     * Polls the bond client's status endpoint (127.0.0.1:7071 in {@code ns}) until the number of uplinks up is
     * {@code wanted}; fails after {@code timeout} with the last status and the logs.
     */
    void awaitUplinks(String ns, IntPredicate wanted, String what, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Pattern up = Pattern.compile("\"state\"\\s*:\\s*\"up\"");
        String last = "";
        while (System.nanoTime() < deadline) {
            last = run(10, ns, "/usr/bin/curl", "-s", "--max-time", "2", "http://127.0.0.1:7071/status").outText();
            Matcher m = up.matcher(last);
            int n = 0;
            while (m.find()) {
                n++;
            }
            if (wanted.test(n)) {
                return;
            }
            Thread.sleep(300);
        }
        fail(what + " uplinks not up in " + timeout + ": " + last + logTail());
    }

    /** The end of every program's log, for failure messages. */
    String logTail() {
        StringBuilder s = new StringBuilder();
        for (Path log : logs) {
            try {
                List<String> lines = Files.readAllLines(log);
                s.append("\n--- ").append(log.getFileName()).append(" ---\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            } catch (IOException e) {
                s.append("\n(").append(log).append(": ").append(e.getMessage()).append(')');
            }
        }
        return s.toString();
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes.reversed()) {
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        processes.clear();
        delete();
    }

    private void delete() throws Exception {
        for (String ns : names) {
            Processes.run(30, "ip", "netns", "del", ns);
        }
    }

    private static List<String> inside(String ns, String... command) {
        List<String> c = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        c.addAll(List.of(command));
        return c;
    }
}
