package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Router mode end to end, in network namespaces, with the real commands and no proxy settings anywhere:
 * <pre>
 * qbr-lan (LAN host: curl, dig, iperf3)
 *   │ 192.168.77.0/24, fd77::/64 (default routes via the router)
 * qbr-rtr (bond-client run + bond-client router up; no route to the internet at all)
 *   │ uplink 1: 10.77.1.0/24     │ uplink 2: 10.77.2.0/24
 * qbr-srv (bond-server run)
 *   │ 198.51.100.0/24, 2001:db8:77:3::/64 (documentation ranges, only inside these namespaces)
 * qbr-net ("internet": python3 http.server, iperf3 -s, dnsmasq with www.qbr.test)
 * </pre>
 * The LAN host reaches the internet only through the bond: the router has no route there. Root only; needs nft,
 * curl, dig, iperf3, dnsmasq and python3.
 */
@Timeout(180)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RouterModeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> NAMESPACES = List.of("qbr-lan", "qbr-rtr", "qbr-srv", "qbr-net");
    private static final Path RESOLV_DIR = Path.of("/etc/netns/qbr-lan");
    private static final String WEB_V4 = "198.51.100.2";
    private static final String WEB_V6 = "2001:db8:77:3::2";
    private static final String NAME = "www.qbr.test";
    private static final String PAGE = "hello from the internet namespace\n";

    private static Namespaces net;
    private static Path clientJson;
    private static String beforeUp;

    @BeforeAll
    static void buildTheNetworkAndStartTheBond() throws Exception {
        Namespaces.assumeRootWith("/usr/sbin/nft", "/usr/bin/curl", "/usr/bin/dig", "/usr/bin/iperf3", "/usr/sbin/dnsmasq",
                "/usr/bin/python3");
        removeResolvConf();
        net = new Namespaces("qbr-router-it", NAMESPACES);
        net.add();
        Path dir = net.dir();
        net.link("qbr-lan", "qbr-lh", "192.168.77.2/24", "fd77::2/64", "qbr-rtr", "qbr-lr", "192.168.77.1/24", "fd77::1/64");
        net.link("qbr-rtr", "qbr-u1r", "10.77.1.1/24", null, "qbr-srv", "qbr-u1s", "10.77.1.2/24", null);
        net.link("qbr-rtr", "qbr-u2r", "10.77.2.1/24", null, "qbr-srv", "qbr-u2s", "10.77.2.2/24", null);
        // A third link whose router side has no address yet: the uplink named by this interface waits for one.
        net.link("qbr-rtr", "qbr-u3r", null, null, "qbr-srv", "qbr-u3s", "10.77.3.2/24", null);
        net.link("qbr-srv", "qbr-ns", "198.51.100.1/24", "2001:db8:77:3::1/64", "qbr-net", "qbr-nn", WEB_V4 + "/24", WEB_V6 + "/64");
        ns("qbr-lan", "ip route add default via 192.168.77.1");
        ns("qbr-lan", "ip -6 route add default via fd77::1");
        Files.createDirectories(RESOLV_DIR);
        Files.writeString(RESOLV_DIR.resolve("resolv.conf"), "nameserver 192.168.77.1\n");

        // The internet: a web page, iperf3, and a DNS server that knows www.qbr.test (A and AAAA).
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.writeString(www.resolve("hello.txt"), PAGE);
        start("qbr-net", "web", "/usr/bin/python3", "-m", "http.server", "80", "--bind", "::", "--directory", www.toString());
        start("qbr-net", "iperf3", "/usr/bin/iperf3", "-s");
        start("qbr-net", "dnsmasq", "/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--bind-interfaces", "--listen-address=" + WEB_V4, "--pid-file=", "--user=root",
                "--address=/" + NAME + "/" + WEB_V4, "--address=/" + NAME + "/" + WEB_V6, "--log-facility=-");

        // The server, as its operator sets it up, allowing the "internet" ranges (documentation ranges are denied).
        String link = BondCli.serverInit("--dir", dir.resolve("server").toString(), "--listen", "0.0.0.0:4433",
                "--public-address", "10.77.1.2", "--user", "router");
        Path serverJson = dir.resolve("server/server.json");
        ObjectNode server = (ObjectNode) JSON.readTree(serverJson.toFile());
        server.putObject("egress").putArray("allow").add("198.51.100.0/24").add("2001:db8::/32");
        JSON.writeValue(serverJson.toFile(), server);
        start("qbr-srv", "bond-server", java("io.quicbond.server.cli.BondServerCommand", "run", "--config",
                serverJson.toString()));

        // The router: two uplinks, one per link, and router mode.
        clientJson = dir.resolve("client.json");
        BondCli.clientConfig(link, clientJson);
        ObjectNode client = (ObjectNode) JSON.readTree(clientJson.toFile());
        ArrayNode uplinks = client.putArray("uplinks");
        uplinks.addObject().put("name", "wan1").put("bind_address", "10.77.1.1").put("server", "10.77.1.2:4433");
        uplinks.addObject().put("name", "wan2").put("bind_address", "10.77.2.1").put("server", "10.77.2.2:4433");
        uplinks.addObject().put("name", "wan3").put("interface", "qbr-u3r").put("server", "10.77.3.2:4433");
        ObjectNode router = client.putObject("router");
        router.putArray("lan_interfaces").add("qbr-lr");
        router.put("nft_table", "qbr_router");
        router.putObject("dns").put("resolver", WEB_V4 + ":53");
        JSON.writeValue(clientJson.toFile(), client);
        start("qbr-rtr", "bond-client", java("io.quicbond.client.cli.BondClientCommand", "run", "--config",
                clientJson.toString()));
        awaitUplinksUp(2, Duration.ofSeconds(60));

        beforeUp = routerState();
        Processes.Result up = run(60, "qbr-rtr", java("io.quicbond.client.cli.BondClientCommand", "router", "up",
                "--config", clientJson.toString()));
        assertEquals(0, up.exitCode(), up.outText() + up.err());
        Processes.Result again = run(60, "qbr-rtr", java("io.quicbond.client.cli.BondClientCommand", "router", "up",
                "--config", clientJson.toString()));
        assertEquals(0, again.exitCode(), again.outText() + again.err());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (net != null) {
            net.close();
        }
        removeResolvConf();
    }

    private static void removeResolvConf() throws Exception {
        Files.deleteIfExists(RESOLV_DIR.resolve("resolv.conf"));
        Files.deleteIfExists(RESOLV_DIR);
    }

    @Test
    @Order(1)
    void curlByNameOverIpv4WithNoProxySettings() throws Exception {
        Processes.Result r = lan(60, "/usr/bin/curl", "-4", "-sS", "--max-time", "20", "http://" + NAME + "/hello.txt");
        assertEquals(0, r.exitCode(), r.err() + logTail());
        assertEquals(PAGE, r.outText());
    }

    @Test
    @Order(2)
    void curlByNameOverIpv6() throws Exception {
        Processes.Result r = lan(60, "/usr/bin/curl", "-6", "-sS", "--max-time", "20", "http://" + NAME + "/hello.txt");
        assertEquals(0, r.exitCode(), r.err() + logTail());
        assertEquals(PAGE, r.outText());
    }

    @Test
    @Order(3)
    void digOverUdpAndTcpToTheRouterAndToAnyAddressIsAnsweredThroughTheBond() throws Exception {
        for (String server : List.of("192.168.77.1", "192.0.2.99", "fd77::1")) {
            for (String transport : List.of("+notcp", "+tcp")) {
                Processes.Result a = lan(30, "/usr/bin/dig", "@" + server, transport, "+short", "+time=5", "+tries=2", NAME, "A");
                assertEquals(WEB_V4, a.outText().strip(), server + " " + transport + ": " + a.outText() + a.err());
            }
        }
        Processes.Result aaaa = lan(30, "/usr/bin/dig", "@fd77::1", "+short", "+time=5", NAME, "AAAA");
        assertEquals(WEB_V6, aaaa.outText().strip(), aaaa.outText() + aaaa.err());
    }

    @Test
    @Order(4)
    void iperf3UdpArrives() throws Exception {
        Processes.Result r = lan(60, "/usr/bin/iperf3", "-c", WEB_V4, "-u", "-b", "5M", "-t", "3", "-J");
        assertEquals(0, r.exitCode(), r.outText() + r.err() + logTail());
        JsonNode sum = JSON.readTree(r.out()).path("end").path("sum");
        long packets = sum.path("packets").asLong();
        double lost = sum.path("lost_percent").asDouble(100);
        System.out.printf("iperf3 UDP 5 Mbit/s through the bond: %d packets, %.1f %% lost%n", packets, lost);
        assertTrue(packets > 0, r.outText());
        assertTrue(lost < 50, "lost " + lost + " %");
    }

    @Test
    @Order(5)
    void iperf3TcpGoesOnWhileAnUplinkIsTakenDown() throws Exception {
        Thread cutter = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(3000);
                ns("qbr-rtr", "ip link set qbr-u1r down");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Processes.Result r;
        try {
            r = lan(90, "/usr/bin/iperf3", "-c", WEB_V4, "-t", "8", "-b", "20M", "-J");
        } finally {
            cutter.join();
            ns("qbr-rtr", "ip link set qbr-u1r up");
            awaitUplinksUp(2, Duration.ofSeconds(30));
        }
        assertEquals(0, r.exitCode(), r.outText() + r.err() + logTail());
        JsonNode end = JSON.readTree(r.out()).path("end");
        long received = end.path("sum_received").path("bytes").asLong();
        double mbps = end.path("sum_received").path("bits_per_second").asDouble() / 1e6;
        System.out.printf("iperf3 TCP 8 s (20 Mbit/s cap), uplink wan1 down at 3 s: %d bytes, %.1f Mbit/s%n", received, mbps);
        JsonNode intervals = JSON.readTree(r.out()).path("intervals");
        assertTrue(received > 0);
        // The transfer went on after the cut: the last second moved data.
        assertTrue(intervals.get(intervals.size() - 1).path("sum").path("bytes").asLong() > 0, r.outText());
    }

    @Test
    @Order(6)
    void uplinkNamedByInterfaceAppearsWithItsAddressAndGoesWithIt() throws Exception {
        ns("qbr-rtr", "ip addr add 10.77.3.1/24 dev qbr-u3r");
        awaitUplinksUp(3, Duration.ofSeconds(30));
        ns("qbr-rtr", "ip addr del 10.77.3.1/24 dev qbr-u3r");
        awaitUplinks(n -> n == 2, "exactly 2", Duration.ofSeconds(30));
        Processes.Result r = lan(60, "/usr/bin/curl", "-4", "-sS", "--max-time", "20", "http://" + NAME + "/hello.txt");
        assertEquals(PAGE, r.outText(), r.err());
    }

    @Test
    @Order(7)
    void routerDownRestoresTheRulesetRulesAndRoutes() throws Exception {
        Processes.Result down = run(60, "qbr-rtr", java("io.quicbond.client.cli.BondClientCommand", "router", "down",
                "--config", clientJson.toString()));
        assertEquals(0, down.exitCode(), down.outText() + down.err());
        assertEquals(beforeUp, routerState());
    }

    // --- helpers ---

    /**
     * The router's ruleset, rules and routes. Route lines are sorted: a link taken down and up again (the uplink cut)
     * brings its kernel routes back in another order, which says nothing about router down.
     */
    private static String routerState() throws Exception {
        StringBuilder s = new StringBuilder();
        for (String c : List.of("nft list ruleset", "ip -4 rule show", "ip -6 rule show", "ip -4 route show table all",
                "ip -6 route show table all")) {
            String out = ns("qbr-rtr", c);
            if (c.contains("route")) {
                out = String.join("\n", out.lines().sorted().toList()) + "\n";
            }
            s.append("$ ").append(c).append('\n').append(out);
        }
        return s.toString();
    }

    private static void awaitUplinksUp(int count, Duration timeout) throws Exception {
        awaitUplinks(n -> n >= count, "at least " + count, timeout);
    }

    private static void awaitUplinks(IntPredicate wanted, String what, Duration timeout) throws Exception {
        net.awaitUplinks("qbr-rtr", wanted, what, timeout);
    }

    private static void start(String ns, String name, String... command) throws IOException {
        net.start(ns, name, command);
    }

    private static String[] java(String main, String... args) {
        return Namespaces.java(main, args);
    }

    private static Processes.Result run(long timeoutSeconds, String ns, String... command) throws Exception {
        return net.run(timeoutSeconds, ns, command);
    }

    private static Processes.Result lan(long timeoutSeconds, String... command) throws Exception {
        return run(timeoutSeconds, "qbr-lan", command);
    }

    /** Runs a shell command line in a namespace; it must succeed; returns its output. */
    private static String ns(String ns, String commandLine) throws Exception {
        return net.sh(ns, commandLine);
    }

    private static String logTail() {
        return net.logTail();
    }
}
