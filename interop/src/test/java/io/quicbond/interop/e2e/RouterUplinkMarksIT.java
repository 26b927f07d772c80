package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Router mode on a router that, like a real one, can reach the internet by itself, runs its own dnsmasq, and routes
 * its uplinks by firewall mark:
 * <pre>
 * qbs-lan (LAN host: curl, dig, ping)            192.168.78.0/24, default via the router
 * qbs-rtr (bond-client run + router up; dnsmasq on *:53 with its upstream at the client's router.dns.listen;
 *          a default route of its own via uplink 1, so LAN traffic that escapes the bond would reach the internet)
 *   │ wan1: 10.78.1.0/24 (bind_address + interface, mark 0x101)   │ wan2: 10.78.2.0/24 (mark 0x102 only)
 * qbs-srv (bond-server run; also a plain IP router between the uplinks and the internet)
 * qbs-net ("internet": python3 http.server, dnsmasq knowing www.qbs.test, nft counters per source)
 * </pre>
 * Both uplinks target the server's address 10.78.9.9, routed over link 1 by the main table. wan2 has no source
 * address: only its mark and the rule
 * {@code fwmark 0x102 lookup 102} send it out of its own WAN, which the server's per-interface counter proves. Root
 * only; needs nft, curl, dig, ping, ss, dnsmasq and python3.
 */
@Timeout(150)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterUplinkMarksIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMESPACES = List.of("qbs-lan", "qbs-rtr", "qbs-srv", "qbs-net");
    private static final String WEB = "198.51.100.2";
    private static final String SERVER_EGRESS = "198.51.100.1";
    private static final String NAME = "www.qbs.test";
    /** What the router's dnsmasq answers for {@link #NAME} itself: a LAN query answered so did not enter the bond. */
    private static final String ROUTER_OWN_ANSWER = "192.0.2.53";
    /** The bond server, on the server's loopback, reached through either link. */
    private static final String SERVER = "10.78.9.9";
    private static final String PAGE = "hello from the qbs internet\n";

    private static Namespaces net;
    private static Path clientJson;
    private static Process client;
    private static String beforeUp;

    @BeforeAll
    static void buildTheNetworkAndStartTheBond() throws Exception {
        Namespaces.assumeRootWith("/usr/sbin/nft", "/usr/bin/curl", "/usr/bin/dig", "/usr/bin/ping", "/usr/bin/ss",
                "/usr/sbin/dnsmasq", "/usr/bin/python3");
        net = new Namespaces("qbs-router-it", NAMESPACES);
        net.add();
        Path dir = net.dir();
        net.link("qbs-lan", "qbs-lh", "192.168.78.2/24", "qbs-rtr", "qbs-lr", "192.168.78.1/24");
        net.link("qbs-rtr", "qbs-u1r", "10.78.1.1/24", "qbs-srv", "qbs-u1s", "10.78.1.2/24");
        net.link("qbs-rtr", "qbs-u2r", "10.78.2.1/24", "qbs-srv", "qbs-u2s", "10.78.2.2/24");
        net.link("qbs-srv", "qbs-ns", SERVER_EGRESS + "/24", "qbs-net", "qbs-nn", WEB + "/24");
        ns("qbs-lan", "ip route add default via 192.168.78.1");
        // The router and the server forward like real ones; replies to wan2 arrive on the other link's address.
        ns("qbs-rtr", "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0"
                + " net.ipv4.conf.qbs-u2r.rp_filter=0 net.ipv4.conf.qbs-u1r.rp_filter=0");
        ns("qbs-rtr", "ip route add default via 10.78.1.2");
        ns("qbs-rtr", "ip route add " + SERVER + "/32 via 10.78.2.2 dev qbs-u2r table 102");
        ns("qbs-rtr", "ip rule add fwmark 0x102 lookup 102");
        ns("qbs-srv", "sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
        ns("qbs-srv", "ip route add 192.168.78.0/24 via 10.78.1.1");
        // The bond server's address is on neither link, and its replies leave from it on both: what a multi-homed
        // UDP server needs, and it lets both uplinks target the same address.
        ns("qbs-srv", "ip addr add " + SERVER + "/32 dev lo");
        ns("qbs-srv", "ip route replace 10.78.1.0/24 dev qbs-u1s src " + SERVER);
        ns("qbs-srv", "ip route replace 10.78.2.0/24 dev qbs-u2s src " + SERVER);
        ns("qbs-net", "ip route add default via " + SERVER_EGRESS);

        // Kernel-side witnesses: the router's own packets by mark (hook output), the server's arrivals per link,
        // and the internet's DNS and web arrivals by source.
        nft("qbs-rtr", "table inet qbs_probe { chain out { type filter hook output priority 0; policy accept;"
                + " meta mark 0x101 udp dport 4433 counter comment \"wan1\"; meta mark 0x102 udp dport 4433 counter comment \"wan2\"; } }");
        nft("qbs-srv", "table inet qbs_probe { chain in { type filter hook prerouting priority 0; policy accept;"
                + " iifname \"qbs-u1s\" udp dport 4433 counter comment \"link1\"; iifname \"qbs-u2s\" udp dport 4433 counter comment \"link2\"; } }");
        nft("qbs-net", "table inet qbs_probe { chain in { type filter hook prerouting priority 0; policy accept;"
                + " ip saddr " + SERVER_EGRESS + " counter comment \"via-bond\"; ip saddr != 198.51.100.0/24 counter comment \"direct\"; } }");

        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), PAGE);
        start("qbs-net", "web", "/usr/bin/python3", "-m", "http.server", "80", "--bind", WEB, "--directory", www.toString());
        start("qbs-net", "dnsmasq-net", "/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + WEB, "--pid-file=", "--user=root",
                "--address=/qbs.test/" + WEB, "--log-facility=-");
        // The router's own resolver, as on OpenWrt: every address, port 53, upstream = router.dns.listen.
        start("qbs-rtr", "dnsmasq-router", "/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--pid-file=", "--user=root", "--server=127.0.0.1#5353", "--address=/" + NAME + "/" + ROUTER_OWN_ANSWER,
                "--log-facility=-");

        String link = BondCli.serverInit("--dir", dir.resolve("server").toString(), "--listen", "0.0.0.0:4433",
                "--public-address", SERVER, "--user", "router");
        Path serverJson = dir.resolve("server/server.json");
        ObjectNode server = (ObjectNode) JSON.readTree(serverJson.toFile());
        server.putObject("egress").putArray("allow").add("198.51.100.0/24");
        JSON.writeValue(serverJson.toFile(), server);
        start("qbs-srv", "bond-server", java("io.quicbond.server.cli.BondServerCommand", "run", "--config",
                serverJson.toString()));

        clientJson = dir.resolve("client.json");
        BondCli.clientConfig(link, clientJson);
        ObjectNode c = (ObjectNode) JSON.readTree(clientJson.toFile());
        c.remove("socks5");
        c.remove("http");
        ArrayNode uplinks = c.putArray("uplinks");
        uplinks.addObject().put("name", "wan1").put("bind_address", "10.78.1.1").put("interface", "qbs-u1r")
                .put("server", SERVER + ":4433").put("mark", 0x101);
        uplinks.addObject().put("name", "wan2").put("server", SERVER + ":4433").put("mark", 0x102);
        ObjectNode router = c.putObject("router");
        router.putArray("lan_interfaces").add("qbs-lr");
        router.put("nft_table", "qbs_router").put("ipv6", false).put("fail_closed", true);
        router.putObject("dns").put("resolver", WEB + ":53").put("listen", "127.0.0.1:5353");
        JSON.writeValue(clientJson.toFile(), c);
        client = start("qbs-rtr", "bond-client", java("io.quicbond.client.cli.BondClientCommand", "run", "--config",
                clientJson.toString()));
        awaitUplinksUp(2, Duration.ofSeconds(40));

        beforeUp = routerState();
        Processes.Result up = bondClient(60, "router", "up", "--config", clientJson.toString());
        assertEquals(0, up.exitCode(), up.outText() + up.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
    }

    @Test
    @Order(1)
    void eachUplinkLeavesWithItsMarkAndTheMarkRoutesItOutOfItsOwnWan() throws Exception {
        assertTrue(counter("qbs-rtr", "wan1") > 0, "wan1's packets carry mark 0x101\n" + ns("qbs-rtr", "nft list table inet qbs_probe"));
        assertTrue(counter("qbs-rtr", "wan2") > 0, "wan2's packets carry mark 0x102\n" + ns("qbs-rtr", "nft list table inet qbs_probe"));
        // Both uplinks target the same address; the main table would send both over link 1. wan2 arrives on link 2.
        assertTrue(counter("qbs-srv", "link2") > 0, "wan2 left through its own WAN by its mark\n"
                + ns("qbs-srv", "nft list table inet qbs_probe"));
        assertTrue(counter("qbs-srv", "link1") > 0);
        System.out.printf("router output: mark 0x101 %d packets, mark 0x102 %d; server input: link 1 %d, link 2 %d%n",
                counter("qbs-rtr", "wan1"), counter("qbs-rtr", "wan2"), counter("qbs-srv", "link1"),
                counter("qbs-srv", "link2"));
        // The kernel's socket table: wan1's socket is bound to its device (ss prints ADDRESS%DEVICE; quiche on
        // netty's epoll opens a dual-stack socket, shown with the IPv4-mapped address).
        String sockets = ns("qbs-rtr", "ss -uanp");
        assertTrue(sockets.contains("10.78.1.1%qbs-u1r:") || sockets.contains("[::ffff:10.78.1.1]%qbs-u1r:"), sockets);
    }

    @Test
    @Order(2)
    void theLanReachesTheInternetThroughTheBondAndStatusShowsTheIngress() throws Exception {
        Processes.Result r = lan(40, "/usr/bin/curl", "-sS", "--max-time", "20", "http://" + WEB + "/hello.txt");
        assertEquals(PAGE, r.outText(), r.err() + logTail());
        Processes.Result status = bondClient(30, "status");
        assertEquals(0, status.exitCode(), status.err());
        assertTrue(status.outText().contains("router  tproxy 0.0.0.0:4435"), status.outText());
        assertTrue(status.outText().contains("dns -> " + WEB + ":53, local upstream 127.0.0.1:5353"), status.outText());
        Matcher accepted = Pattern.compile("tcp \\d+ open / (\\d+) accepted").matcher(status.outText());
        assertTrue(accepted.find() && Long.parseLong(accepted.group(1)) >= 1, status.outText());
        Processes.Result router = bondClient(30, "router", "status", "--config", clientJson.toString());
        assertEquals(0, router.exitCode(), router.outText() + router.err());
        assertTrue(router.outText().startsWith("router mode: active\n"), router.outText());
        assertTrue(router.outText().contains("client transparent ingress: listening on 0.0.0.0:4435"), router.outText());
    }

    @Test
    @Order(3)
    void dnsToTheRoutersOwnDnsmasqAndTheRoutersOwnLookupsGoThroughTheBond() throws Exception {
        long directBefore = counter("qbs-net", "direct");
        for (String transport : List.of("+notcp", "+tcp")) {
            // Addressed to the router, where dnsmasq listens on *:53 (and would answer ROUTER_OWN_ANSWER): TPROXY takes
            // it first, into the bond, to the internet's resolver.
            Processes.Result a = lan(30, "/usr/bin/dig", "@192.168.78.1", transport, "+short", "+time=5", "+tries=2", NAME);
            assertEquals(WEB, a.outText().strip(), transport + ": " + a.outText() + a.err() + logTail());
        }
        // The router's own lookups: dnsmasq forwards to router.dns.listen, which sends them through the bond.
        Processes.Result own = run(30, "qbs-rtr", "/usr/bin/dig", "@127.0.0.1", "+short", "+time=5", "+tries=2", "api.qbs.test");
        assertEquals(WEB, own.outText().strip(), own.outText() + own.err() + logTail());
        assertEquals(directBefore, counter("qbs-net", "direct"), "no query reached the internet around the bond\n"
                + ns("qbs-net", "nft list table inet qbs_probe"));
        assertTrue(counter("qbs-net", "via-bond") > 0);
    }

    @Test
    @Order(4)
    void failClosedDropsWhatTheBondDoesNotCarryAndEverythingOnceTheClientIsStopped() throws Exception {
        // ICMP is not diverted; the router could forward it over its default route, but fail_closed drops it.
        Processes.Result ping = lan(20, "/usr/bin/ping", "-c", "1", "-W", "2", WEB);
        assertNotEquals(0, ping.exitCode(), ping.outText());
        assertTrue(ns("qbs-rtr", "nft list chain inet qbs_router fail_closed").matches("(?s).*counter packets [1-9].*"));

        client.destroy();
        assertTrue(client.waitFor(20, TimeUnit.SECONDS));
        // Stopped with the rules still up (a crash, no service to run down): diverted traffic finds no socket.
        long directAtStop = counter("qbs-net", "direct");
        Processes.Result crashed = lan(30, "/usr/bin/curl", "-sS", "--max-time", "5", "http://" + WEB + "/hello.txt");
        assertNotEquals(0, crashed.exitCode(), "no leak with the client dead and router up: " + crashed.outText());
        assertEquals(directAtStop, counter("qbs-net", "direct"));
        Processes.Result down = bondClient(60, "router", "down", "--keep-fail-closed", "--config", clientJson.toString());
        assertEquals(0, down.exitCode(), down.outText() + down.err());
        Processes.Result status = bondClient(30, "router", "status", "--config", clientJson.toString());
        assertTrue(status.outText().startsWith("router mode: fail-closed"), status.outText());
        assertTrue(status.outText().contains("client transparent ingress: not reachable"), status.outText());
        assertNotEquals(0, status.exitCode());

        long directBefore = counter("qbs-net", "direct");
        Processes.Result r = lan(30, "/usr/bin/curl", "-sS", "--max-time", "5", "http://" + WEB + "/hello.txt");
        assertNotEquals(0, r.exitCode(), "the LAN must not reach the internet with the client stopped: " + r.outText());
        assertEquals(directBefore, counter("qbs-net", "direct"), "nothing from the LAN arrived");

        // Plain down removes the drop too, and leaves the router as it was; the LAN then goes direct (the leak that
        // fail_closed stood in the way of).
        Processes.Result plain = bondClient(60, "router", "down", "--config", clientJson.toString());
        assertEquals(0, plain.exitCode(), plain.outText() + plain.err());
        assertEquals(beforeUp, routerState());
        Processes.Result direct = lan(30, "/usr/bin/curl", "-sS", "--max-time", "10", "http://" + WEB + "/hello.txt");
        assertEquals(PAGE, direct.outText(), direct.err());
        assertTrue(counter("qbs-net", "direct") > directBefore);
    }

    // --- helpers ---

    /** The packets counted by the nft rule with this comment in the probe table of {@code ns}. */
    private static long counter(String ns, String comment) throws Exception {
        String table = ns(ns, "nft list table inet qbs_probe");
        Matcher m = Pattern.compile("counter packets (\\d+) bytes \\d+ comment \"" + comment + "\"").matcher(table);
        if (!m.find()) {
            fail("no counter " + comment + " in " + table);
        }
        return Long.parseLong(m.group(1));
    }

    private static String routerState() throws Exception {
        StringBuilder s = new StringBuilder();
        for (String c : List.of("nft list table inet qbs_router 2>&1 || true", "ip -4 rule show", "ip -6 rule show",
                "ip -4 route show table all", "ip -6 route show table all")) {
            s.append("$ ").append(c).append('\n').append(String.join("\n", ns("qbs-rtr", c).lines().sorted().toList()))
                    .append('\n');
        }
        return s.toString();
    }

    private static void awaitUplinksUp(int count, Duration timeout) throws Exception {
        net.awaitUplinks("qbs-rtr", n -> n >= count, String.valueOf(count), timeout);
    }

    private static Processes.Result bondClient(long timeoutSeconds, String... args) throws Exception {
        return run(timeoutSeconds, "qbs-rtr", java("io.quicbond.client.cli.BondClientCommand", args));
    }

    private static String[] java(String main, String... args) {
        return Namespaces.java(main, args);
    }

    private static Process start(String ns, String name, String... command) throws IOException {
        return net.start(ns, name, command);
    }

    private static Processes.Result run(long timeoutSeconds, String ns, String... command) throws Exception {
        return net.run(timeoutSeconds, ns, command);
    }

    private static Processes.Result lan(long timeoutSeconds, String... command) throws Exception {
        return run(timeoutSeconds, "qbs-lan", command);
    }

    private static String ns(String ns, String commandLine) throws Exception {
        return net.sh(ns, commandLine);
    }

    /** Loads an nft script given on one line, statements separated by "; " (written out one per line). */
    private static void nft(String ns, String script) throws Exception {
        Path file = Files.createTempFile(net.dir(), ns, ".nft");
        Files.writeString(file, script.replace("{ ", "{\n").replace("; ", "\n").replace(" }", "\n}") + "\n");
        ns(ns, "nft -f " + file);
    }

    private static String logTail() {
        return net.logTail();
    }
}
