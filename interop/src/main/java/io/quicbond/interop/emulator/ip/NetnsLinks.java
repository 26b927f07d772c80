package io.quicbond.interop.emulator.ip;

import io.quicbond.interop.emulator.EmulatedLinks.LinkSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Emulated links at the IP level between two network namespaces, so that anything that speaks IP (kernel TCP,
 * kernel MPTCP, the bond's QUIC uplinks) runs over exactly the same links.
 *
 * <pre>
 *   namespace PREFIX-c (client side)                      namespace PREFIX-s (server side)
 *   PREFIX-c1  SUBNET.1.1/24  ── TunLink 1 (this JVM) ──  PREFIX-s1  SUBNET.1.2/24
 *   PREFIX-c2  SUBNET.2.1/24  ── TunLink 2            ──  PREFIX-s2  SUBNET.2.2/24
 *   ...
 * </pre>
 * Each TUN device is created in this process's namespace, then moved into its side's namespace; its file
 * descriptor stays here, where {@link TunLink} forwards and shapes. In the client namespace, traffic from link
 * i's address leaves through link i whatever its destination ({@code ip rule from SUBNET.i.1 table 100+i}), so a
 * socket bound to SUBNET.i.1 and connected to SUBNET.1.2 crosses link i; replies find their way back by
 * destination. Both namespaces get MPTCP limits of 8 subflows and 8 accepted addresses; MPTCP endpoints are left
 * to the caller ({@link #addMptcpSubflowEndpoints()}). Reverse-path filtering is off on both sides, since
 * packets for SUBNET.1.2 arrive on every link.
 *
 * <p>Root only. {@link #close()} (also run by a shutdown hook, so Ctrl-C tears down too) stops the forwarders,
 * which removes the devices, and deletes both namespaces. Not thread-safe for set-up and close; the links'
 * own methods may be called from any thread.
 */
public final class NetnsLinks implements AutoCloseable {
    /** Default name prefix: namespaces qbe-c and qbe-s, devices qbe-c1, qbe-s1, ... */
    public static final String DEFAULT_PREFIX = "qbe";
    /** Default first two octets of the links' subnets. */
    public static final String DEFAULT_SUBNET = "10.77";
    /** Routing table of link i is TABLE_BASE + i. */
    static final int TABLE_BASE = 100;

    private final String prefix;
    private final String subnet;
    private final List<LinkSpec> specs;
    private final List<TunLink> links = new ArrayList<>();
    private final Thread shutdownHook;
    private volatile boolean closed;

    private NetnsLinks(String prefix, String subnet, List<LinkSpec> specs) {
        this.prefix = prefix;
        this.subnet = subnet;
        this.specs = List.copyOf(specs);
        this.shutdownHook = new Thread(this::close, prefix + "-netns-teardown");
    }

    /**
     * Why this cannot run here, or null when it can: root, the {@code ip} tool, TUN devices.
     */
    public static String unavailableReason() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "needs root (network namespaces and TUN devices); running as " + System.getProperty("user.name");
        }
        String tun = TunDevice.unavailableReason();
        if (tun != null) {
            return tun;
        }
        if (!Shell.onPath("ip")) {
            return "the 'ip' tool (iproute2) is not installed";
        }
        return null;
    }

    /**
     * Builds the namespaces and links (removing leftovers of an earlier run with the same prefix first) and starts
     * forwarding.
     *
     * @param prefix at most 10 characters of letters and digits, so that device names fit
     * @param subnet first two octets, e.g. "10.77"; link i gets SUBNET.i.0/24, so at most 254 links
     * @throws IOException when a command fails; whatever was built is torn down again
     */
    public static NetnsLinks start(String prefix, String subnet, List<LinkSpec> specs) throws IOException {
        Objects.requireNonNull(specs, "specs");
        if (!prefix.matches("[a-z][a-z0-9]{0,9}")) {
            throw new IllegalArgumentException("prefix must be 1..10 lower-case letters and digits: '" + prefix + "'");
        }
        if (!subnet.matches("(25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)")) {
            throw new IllegalArgumentException("subnet must be two octets like 10.77: '" + subnet + "'");
        }
        if (specs.isEmpty() || specs.size() > 254) {
            throw new IllegalArgumentException("1 to 254 links, not " + specs.size());
        }
        NetnsLinks n = new NetnsLinks(prefix, subnet, specs);
        try {
            n.build();
        } catch (IOException | RuntimeException e) {
            n.close();
            throw e;
        }
        Runtime.getRuntime().addShutdownHook(n.shutdownHook);
        return n;
    }

    private void build() throws IOException {
        removeLeftovers(prefix);
        for (String ns : List.of(clientNamespace(), serverNamespace())) {
            Shell.run("ip", "netns", "add", ns);
            Shell.run("ip", "-n", ns, "link", "set", "lo", "up");
            Shell.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.conf.all.rp_filter=0",
                    "net.ipv4.conf.default.rp_filter=0", "net.mptcp.enabled=1");
            Shell.run("ip", "-n", ns, "mptcp", "limits", "set", "subflow", "8", "add_addr_accepted", "8");
        }
        for (int i = 1; i <= specs.size(); i++) {
            LinkSpec spec = specs.get(i - 1);
            TunDevice c = TunDevice.create(clientDevice(i));
            TunDevice s;
            try {
                s = TunDevice.create(serverDevice(i));
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
            links.add(new TunLink(spec.name(), c, s, spec.up(), spec.down()));
            plumb(clientNamespace(), clientDevice(i), clientAddress(i));
            plumb(serverNamespace(), serverDevice(i), serverAddress(i));
            int table = TABLE_BASE + i;
            Shell.run("ip", "-n", clientNamespace(), "route", "add", "default", "dev", clientDevice(i), "table",
                    Integer.toString(table));
            Shell.run("ip", "-n", clientNamespace(), "rule", "add", "from", clientAddress(i), "table",
                    Integer.toString(table), "pref", Integer.toString(1000 + i));
        }
        // Unbound client traffic takes link 1.
        Shell.run("ip", "-n", clientNamespace(), "route", "add", "default", "dev", clientDevice(1));
    }

    private static void plumb(String ns, String device, String address) throws IOException {
        Shell.run("ip", "link", "set", device, "netns", ns);
        Shell.run("ip", "-n", ns, "addr", "add", address + "/24", "dev", device);
        // No IPv6 on the links: router solicitations and DAD would only add noise to the byte counters.
        Shell.run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf." + device + ".disable_ipv6=1");
        Shell.run("ip", "-n", ns, "link", "set", device, "mtu", "1500", "up");
    }

    /** Deletes this prefix's namespaces if an earlier run left them behind (devices vanish with their process). */
    public static void removeLeftovers(String prefix) throws IOException {
        String list = Shell.output("ip", "netns", "list");
        for (String side : List.of("-c", "-s")) {
            String ns = prefix + side;
            if (list.lines().anyMatch(l -> l.equals(ns) || l.startsWith(ns + " "))) {
                Shell.run("ip", "netns", "del", ns);
            }
        }
    }

    /**
     * In the client namespace, one MPTCP "subflow" endpoint per link but the first, bound to its device, so that an
     * MPTCP connection made over link 1 opens a subflow over every other link.
     */
    public void addMptcpSubflowEndpoints() throws IOException {
        for (int i = 2; i <= links.size(); i++) {
            Shell.run("ip", "-n", clientNamespace(), "mptcp", "endpoint", "add", clientAddress(i), "dev",
                    clientDevice(i), "subflow");
        }
    }

    /** Removes the client namespace's MPTCP endpoints. */
    public void flushMptcpEndpoints() throws IOException {
        Shell.run("ip", "-n", clientNamespace(), "mptcp", "endpoint", "flush");
    }

    public String clientNamespace() {
        return prefix + "-c";
    }

    public String serverNamespace() {
        return prefix + "-s";
    }

    public String clientDevice(int link) {
        return prefix + "-c" + link;
    }

    public String serverDevice(int link) {
        return prefix + "-s" + link;
    }

    /** Link {@code link}'s address in the client namespace (links count from 1). */
    public String clientAddress(int link) {
        return subnet + "." + link + ".1";
    }

    /** Link {@code link}'s address in the server namespace. */
    public String serverAddress(int link) {
        return subnet + "." + link + ".2";
    }

    /** The links, in the order given; link i is {@code links().get(i - 1)}. */
    public List<TunLink> links() {
        return Collections.unmodifiableList(links);
    }

    public List<LinkSpec> specs() {
        return specs;
    }

    /** A command line that runs {@code command} in the given namespace. */
    public static List<String> inNamespace(String ns, List<String> command) {
        List<String> out = new ArrayList<>(List.of("ip", "netns", "exec", ns));
        out.addAll(command);
        return out;
    }

    public String describe() {
        StringBuilder s = new StringBuilder();
        s.append("namespaces: ").append(clientNamespace()).append(" (client side), ").append(serverNamespace())
                .append(" (server side)\n");
        for (int i = 1; i <= links.size(); i++) {
            LinkSpec spec = specs.get(i - 1);
            s.append(String.format("  link %d %-8s %s %s  <->  %s %s   %s%n", i, spec.name(), clientDevice(i),
                    clientAddress(i), serverDevice(i), serverAddress(i), spec.toSpec()));
        }
        s.append("traffic from a link's client address leaves through that link (ip rule from ADDR table ")
                .append(TABLE_BASE).append("+i)\n");
        return s.toString();
    }

    /** Stops forwarding (which removes the devices) and deletes both namespaces. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException | IllegalArgumentException shuttingDownOrNeverAdded) {
                // either way there is nothing to remove
            }
        }
        for (TunLink link : links) {
            link.close();
        }
        for (String ns : List.of(clientNamespace(), serverNamespace())) {
            try {
                Shell.run("ip", "netns", "del", ns);
            } catch (IOException e) {
                // Already gone (a failed set-up) or busy; the next start removes leftovers.
            }
        }
    }

    /** Runs short administrative commands. */
    public static final class Shell {
        private Shell() {
        }

        /**
         * Runs a command to completion (at most 30 s).
         *
         * @throws IOException with the command and its error output when it fails
         */
        public static void run(String... command) throws IOException {
            output(command);
        }

        /** Like {@link #run} and returns standard output. */
        public static String output(String... command) throws IOException {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            try {
                p.getOutputStream().close();
                byte[] out = p.getInputStream().readAllBytes();
                byte[] err = p.getErrorStream().readAllBytes();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException("timed out: " + String.join(" ", command));
                }
                if (p.exitValue() != 0) {
                    throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): "
                            + new String(err, StandardCharsets.UTF_8).trim());
                }
                return new String(out, StandardCharsets.UTF_8);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", command), e);
            }
        }

        /** True when {@code tool} is an executable in a PATH directory (or /sbin, /usr/sbin). */
        public static boolean onPath(String tool) {
            String path = System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin";
            for (String dir : path.split(":")) {
                if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, tool))) {
                    return true;
                }
            }
            return false;
        }
    }
}
