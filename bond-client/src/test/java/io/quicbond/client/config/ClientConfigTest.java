package io.quicbond.client.config;

import static io.quicbond.client.config.ConfigFixtures.PIN;
import static io.quicbond.client.config.ConfigFixtures.SECRET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.rules.PolicyRule;
import io.quicbond.transport.Destination;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.tls.CertificatePin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigTest {

    private static ClientConfig parse(String json) throws ConfigException {
        return ClientConfig.parse(json, "client.json");
    }

    /** The problems of {@code json}, which must not load. */
    private static List<String> problems(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).problems();
    }

    /** The minimal config with {@code "key": value} pairs put in front of its other top-level keys. */
    private static String minimalWith(String extraTopLevel) {
        return ConfigFixtures.minimal().replaceFirst("\\{", "{ " + extraTopLevel + ",");
    }

    /** The minimal config with one of its lines replaced. */
    private static String minimalReplacing(String from, String to) {
        String json = ConfigFixtures.minimal();
        assertTrue(json.contains(from), from);
        return json.replace(from, to);
    }

    @Test
    void routerSectionGetsItsDefaultsAndWritesBackTheSame() throws Exception {
        ClientConfig c = parse(minimalWith("\"router\": {}"));
        ClientConfig.Router r = c.router();
        assertEquals(4435, r.tproxyPort());
        assertEquals(List.of("br-lan"), r.lanInterfaces());
        assertEquals(List.of(), r.bypass());
        assertEquals(0x1151, r.fwmark());
        assertEquals(4433, r.routeTable());
        assertTrue(r.ipv6());
        assertEquals("quicbond", r.nftTable());
        assertTrue(r.dnsIntercept());
        assertEquals(new io.quicbond.transport.Destination("1.1.1.1", 53), r.dnsResolver());
        assertEquals(c, parse(c.toJson(true)));
        ClientConfig original = parse(minimalWith("\"router\": {\"dns\": {\"resolver\": \"original\"}}"));
        assertEquals(null, original.router().dnsResolver());
        assertEquals(original, parse(original.toJson(true)));
    }

    @Test
    void badRouterValuesAreEachNamed() {
        List<String> p = problems(minimalWith("\"router\": {\"tproxy_port\": 0, \"lan_interfaces\": [\"a b\"], "
                + "\"bypass\": [\"10.0.0.1/8\"], \"route_table\": 254, \"nft_table\": \"x-y\", "
                + "\"dns\": {\"resolver\": \"nope\"}}"));
        for (String key : List.of("router.tproxy_port", "router.lan_interfaces[0]", "router.bypass[0]",
                "router.route_table", "router.nft_table", "router.dns.resolver")) {
            assertTrue(p.stream().anyMatch(l -> l.startsWith("client.json: " + key + ":")), key + " in " + p);
        }
    }

    @Test
    void minimalConfigGetsEveryDefault() throws Exception {
        ClientConfig c = parse(ConfigFixtures.minimal());

        assertEquals(new HostPort("bond.example.net", 443), c.server().address());
        assertEquals(CertificatePin.parse(PIN), c.server().pin());
        assertEquals("quicbond", c.server().serverName());
        assertEquals("alice", c.user());
        assertArrayEquals("correct horse battery staple".getBytes(StandardCharsets.UTF_8), c.secretBytes());
        assertEquals("quiche", c.engine());
        assertEquals(List.of(new ClientConfig.Uplink("wan0", null, null, null, true)), c.uplinks());
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1080), c.socks5().listen());
        assertNull(c.socks5().username());
        assertEquals(Duration.ofSeconds(10), c.socks5().handshakeTimeout());
        assertNull(c.http());
        assertEquals(List.of(), c.forwards());
        assertEquals(Policy.AGGREGATE, c.policy().defaultPolicy());
        assertEquals(List.of(), c.policy().rules());
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7071), c.statusListen());
        assertEquals(new ClientConfig.Bond(16 << 20, 16 << 20, Duration.ofSeconds(15), Duration.ofSeconds(60)), c.bond());
    }

    @Test
    void bondDefaultsAreTheTransportDefaults() throws Exception {
        BondSettings fromConfig = parse(ConfigFixtures.minimal()).bond().settings(Policy.AGGREGATE);
        assertEquals(BondSettings.defaults(), fromConfig);
    }

    @Test
    void fullConfigIsReadAsWritten() throws Exception {
        ClientConfig c = parse(ConfigFixtures.full());

        assertEquals("bond.example.net", c.server().serverName());
        assertEquals(3, c.uplinks().size());
        ClientConfig.Uplink lte = c.uplinks().get(0);
        assertEquals(InetAddress.getByName("10.64.0.2"), lte.bindAddress());
        assertEquals("wwan0", lte.bindInterface());
        assertEquals(new HostPort("203.0.113.7", 4433), c.serverFor(lte));
        ClientConfig.Uplink dsl = c.uplinks().get(1);
        assertFalse(dsl.primary());
        assertEquals(new HostPort("203.0.113.8", 4433), c.serverFor(dsl));
        assertEquals("u", c.socks5().username());
        assertEquals("p", c.socks5().password());
        assertEquals(Duration.ofMillis(5000), c.socks5().handshakeTimeout());
        assertEquals(3128, c.http().listen().getPort());
        assertEquals(ClientConfig.ForwardProtocol.UDP, c.forwards().get(1).protocol());
        assertEquals(new Destination("2001:db8::53", 53), c.forwards().get(1).to());
        assertTrue(c.toJson(true).contains("\"to\" : \"[2001:db8::53]:53\""), c.toJson(true));
        assertEquals(Policy.LOWEST_LATENCY, c.policy().defaultPolicy());
        PolicyRule first = c.policy().rules().get(0);
        assertEquals(PolicyRule.Protocol.UDP, first.protocol());
        assertEquals(Policy.REDUNDANT, first.policy());
        assertEquals(PolicyRule.Protocol.ANY, c.policy().rules().get(1).protocol());
        assertEquals(Policy.REDUNDANT, c.policy().classifier().policyFor(true, new Destination("1.2.3.4", 19305)));
        assertEquals(Policy.FAILOVER, c.policy().classifier().policyFor(false, new Destination("www.example.com", 443)));
        assertEquals(Policy.LOWEST_LATENCY, c.policy().classifier().policyFor(false, new Destination("1.2.3.4", 443)));
        assertTrue(c.statusListen().getAddress().isLoopbackAddress());
        assertEquals(new ClientConfig.Bond(1 << 20, 2 << 20, Duration.ofSeconds(10), Duration.ofSeconds(30)), c.bond());
    }

    @Test
    void writtenConfigLoadsBackEqual() throws Exception {
        for (String json : List.of(ConfigFixtures.minimal(), ConfigFixtures.full())) {
            ClientConfig c = parse(json);
            assertEquals(c, parse(c.toJson(true)));
        }
    }

    @Test
    void redactedJsonAndToStringNeverShowTheSecrets() throws Exception {
        ClientConfig c = parse(ConfigFixtures.full());
        String redacted = c.toJson(false);
        assertFalse(redacted.contains(SECRET), redacted);
        assertFalse(redacted.contains("\"p\""), redacted);
        assertTrue(redacted.contains("\"secret\" : \"<redacted>\""), redacted);
        assertFalse(c.toString().contains(SECRET));
        assertFalse(c.toString().contains("password=p"));
    }

    @Test
    void effectiveJsonWritesEveryDefaultInSnakeCase() throws Exception {
        String json = parse(ConfigFixtures.minimal()).toJson(true);
        for (String key : List.of("\"server_name\" : \"quicbond\"", "\"engine\" : \"quiche\"", "\"primary\" : true",
                "\"handshake_timeout_ms\" : 10000", "\"default\" : \"aggregate\"", "\"status_listen\" : \"127.0.0.1:7071\"",
                "\"flow_window_bytes\" : 16777216", "\"flow_send_buffer_bytes\" : 16777216", "\"open_timeout_s\" : 15",
                "\"udp_idle_timeout_s\" : 60")) {
            assertTrue(json.contains(key), key + " in " + json);
        }
    }

    @Test
    void badBindAddressIsNamedWithItsPath() {
        String json = ConfigFixtures.full().replace("\"192.168.1.20\"", "\"x\"");
        assertEquals(List.of("client.json: uplinks[1].bind_address: not an IP address: 'x'"), problems(json));
    }

    @Test
    void unknownKeysAreRejectedByName() {
        List<String> top = problems(minimalWith("\"uplink\": []"));
        assertEquals(1, top.size());
        assertTrue(top.getFirst().startsWith("client.json: unknown key 'uplink' (known: "), top.getFirst());
        assertTrue(top.getFirst().contains("uplinks"), top.getFirst());

        String nested = minimalReplacing("{ \"name\": \"wan0\" }", "{ \"name\": \"wan0\", \"bnd_address\": \"1.2.3.4\" }");
        String message = problems(nested).getFirst();
        assertTrue(message.startsWith("client.json: uplinks[0]: unknown key 'bnd_address' (known: bind_address, budget, congestion_control, enabled,"),
                message);
    }

    @Test
    void wrongJsonTypesNameTheField() {
        assertEquals(List.of("client.json: bond.open_timeout_s: expected a whole number, got a string"),
                problems(minimalWith("\"bond\": { \"open_timeout_s\": \"15\" }")));
        assertEquals(List.of("client.json: bond.open_timeout_s: expected a whole number, got a fractional number"),
                problems(minimalWith("\"bond\": { \"open_timeout_s\": 1.5 }")));
        assertEquals(List.of("client.json: user: expected a string, got a whole number"),
                problems(minimalReplacing("\"user\": \"alice\"", "\"user\": 5")));
        assertEquals(List.of("client.json: uplinks[0].primary: expected true or false, got a string"),
                problems(minimalReplacing("{ \"name\": \"wan0\" }", "{ \"name\": \"wan0\", \"primary\": \"yes\" }")));
        assertEquals(List.of("client.json: uplinks[0].primary: expected true or false, got a whole number"),
                problems(minimalReplacing("{ \"name\": \"wan0\" }", "{ \"name\": \"wan0\", \"primary\": 1 }")));
        assertEquals(List.of("client.json: socks5: expected an object, got a string"),
                problems(minimalReplacing("\"socks5\": {}", "\"socks5\": \"\"")));
        assertEquals(List.of("client.json: policy.rules[0].cidr: expected a list, got a string"),
                problems(minimalWith("\"policy\": { \"rules\": [ { \"cidr\": \"10.0.0.0/8\", \"policy\": \"redundant\" } ] }")));
        assertEquals(List.of("client.json: uplinks: expected a list, got an object"),
                problems(minimalReplacing("[ { \"name\": \"wan0\" } ]", "{ \"name\": \"wan0\" }")));
        assertEquals(List.of("client.json: server: expected an object, got a string"),
                problems(minimalReplacing("\"server\": {", "\"server\": \"x\", \"ignored\": {")));
    }

    @Test
    void syntaxErrorsGiveLineAndColumn() {
        String message = problems("{\n  \"user\": \"alice\",\n  oops\n}").getFirst();
        assertTrue(message.startsWith("client.json: line 3, column "), message);
    }

    @Test
    void duplicateKeysAreRejected() {
        String message = problems(minimalWith("\"user\": \"bob\"")).getFirst();
        assertTrue(message.contains("Duplicate field 'user'"), message);
    }

    @Test
    void emptyOrNonObjectDocumentsAreRejected() {
        assertEquals(List.of("client.json: empty document; expected a JSON object"), problems(""));
        assertEquals(List.of("client.json: expected a JSON object, got a list"), problems("[]"));
        assertEquals(List.of("client.json: the document is null; expected a JSON object"), problems("null"));
        assertTrue(problems(ConfigFixtures.minimal() + " {}").getFirst().startsWith("client.json: "));
    }

    @Test
    void requiredFieldsAreAllReportedAtOnce() {
        assertEquals(List.of(
                "client.json: server: required: an object with \"address\" and \"pin\"",
                "client.json: user: required",
                "client.json: secret: required: the base64url secret that bond-server gave for this user",
                "client.json: uplinks: at least one uplink is required, e.g. [{\"name\": \"wan0\"}]",
                "client.json: no ingress: add \"socks5\", \"http\", \"forwards\" or \"router\""), problems("{}"));
        assertEquals(List.of(
                "client.json: server.address: required: HOST:PORT of the bond server",
                "client.json: server.pin: required: the server's key pin, \"sha256/...\" (bond-server prints it)"),
                problems(minimalReplacing("\"server\": { \"address\": \"bond.example.net:443\", \"pin\": \"" + PIN + "\" }",
                        "\"server\": {}")));
    }

    @Test
    void nullMeansAbsent() throws Exception {
        ClientConfig c = parse(minimalWith("\"engine\": null, \"bond\": null, \"http\": null"));
        assertEquals("quiche", c.engine());
        assertNull(c.http());
    }

    @Test
    void badValuesSayWhatIsWrong() {
        record Case(String from, String to, String problem) {
        }
        List<Case> cases = List.of(
                new Case("\"bond.example.net:443\"", "\"bond.example.net\"",
                        "server.address: expected HOST:PORT, got 'bond.example.net'"),
                new Case("\"bond.example.net:443\"", "\"2001:db8::1:443\"",
                        "server.address: IPv6 addresses need brackets, e.g. [2001:db8::1]:443, got '2001:db8::1:443'"),
                new Case("\"bond.example.net:443\"", "\"bond.example.net:0\"",
                        "server.address: port must be 1..65535, got 0 in 'bond.example.net:0'"),
                new Case("\"bond.example.net:443\"", "\"bond.example.net:70000\"",
                        "server.address: port out of range in 'bond.example.net:70000' (expected 0..65535)"),
                new Case("\"bond.example.net:443\"", "\"bad host!:443\"", "server.address: not a host name: 'bad host!'"),
                new Case("\"bond.example.net:443\"", "\"010.0.0.1:443\"",
                        "server.address: not an IP address: '010.0.0.1' (IPv4 parts have no leading zeros)"),
                new Case("\"" + PIN + "\"", "\"md5/abc\"", "server.pin: certificate pin must start with 'sha256/', got 'md5/abc'"),
                new Case("\"alice\"", "\"al ice\"", "user: must not contain spaces or control characters: 'al ice'"),
                new Case("\"alice\"", "\"\"", "user: must be 1..255 bytes"),
                new Case("\"" + SECRET + "\"", "\"not+base64/url\"",
                        "secret: not base64url text (letters, digits, '-' and '_', optionally '=' padded)"),
                new Case("\"" + SECRET + "\"", "\"\"", "secret: must decode to 1..255 bytes, got 0"),
                new Case("\"wan0\"", "\"wan 0\"", "uplinks[0].name: must be 1..32 of A-Z a-z 0-9 . _ -, got 'wan 0'"),
                new Case("\"socks5\": {}", "\"socks5\": { \"listen\": \"localhost:1080\" }",
                        "socks5.listen: not an IP address: 'localhost' (listen on an address, e.g. 127.0.0.1:1080 or [::1]:1080)"),
                new Case("\"socks5\": {}", "\"socks5\": { \"username\": \"u\" }",
                        "socks5.password: username and password go together: give both or neither"),
                new Case("\"socks5\": {}", "\"socks5\": { \"handshake_timeout_ms\": 0 }",
                        "socks5.handshake_timeout_ms: must be 1..600000, got 0"));
        for (Case c : cases) {
            String json = minimalReplacing(c.from, c.to);
            assertEquals(List.of("client.json: " + c.problem), problems(json), c.to);
        }
    }

    @Test
    void secretsNeverAppearInProblems() {
        String longSecretLike = "Zm9v" + "!".repeat(10);
        List<String> p = problems(minimalReplacing("\"" + SECRET + "\"", "\"" + longSecretLike + "\""));
        assertFalse(p.toString().contains(longSecretLike));
    }

    @Test
    void uplinkProblems() {
        String json = minimalReplacing("[ { \"name\": \"wan0\" } ]", """
                [ { "name": "a" }, { "name": "a" }, null, {},
                  { "name": "b", "interface": "this-name-is-too-long" },
                  { "name": "c", "server": "nope" },
                  { "name": "d", "bind_address": "2001:db8::1", "server": "192.0.2.1:443" } ]""");
        assertEquals(List.of(
                "client.json: uplinks[1].name: 'a' is already the name of uplinks[0]",
                "client.json: uplinks[2]: must be an object",
                "client.json: uplinks[3].name: required",
                "client.json: uplinks[4].interface: not an interface name: 'this-name-is-too-long' (1..15 of A-Z a-z 0-9 . _ : @ -)",
                "client.json: uplinks[5].server: expected HOST:PORT, got 'nope'",
                "client.json: uplinks[6].bind_address: '2001:db8::1' cannot reach server 192.0.2.1:443: the address families differ"),
                problems(json));
    }

    @Test
    void uplinkTuningAndBudgetsAreReadAsWritten() throws Exception {
        ClientConfig c = parse(ConfigFixtures.full());
        ClientConfig.Uplink lte = c.uplinks().get(0);
        assertEquals(List.of(true, 1.0, 0L, 0L), List.of(lte.enabled(), lte.weight(), lte.upBitsPerSecond(),
                lte.downBitsPerSecond()), "defaults");
        assertEquals(null, lte.budget());
        ClientConfig.Uplink sat = c.uplinks().get(2);
        assertEquals(List.of(false, 0.5, 2_500_000L, 20_000_000L), List.of(sat.enabled(), sat.weight(),
                sat.upBitsPerSecond(), sat.downBitsPerSecond()));
        assertEquals(new ClientConfig.Budget(1_500_000_000L, io.quicbond.client.uplink.BudgetPeriod.WEEK, 7), sat.budget());
        assertEquals(new ClientConfig.Budget(20_000_000_000L, io.quicbond.client.uplink.BudgetPeriod.MONTH, 1),
                parse(minimalReplacing("[ { \"name\": \"wan0\" } ]",
                        "[ { \"name\": \"wan0\", \"budget\": { \"gigabytes\": 20 } } ]")).uplinks().get(0).budget(),
                "period month from day 1 by default");
    }

    @Test
    void uplinkTuningProblems() {
        String json = minimalReplacing("[ { \"name\": \"wan0\" } ]", """
                [ { "name": "a", "weight": 0 }, { "name": "b", "weight": 101 },
                  { "name": "c", "max_up_mbit": -1 }, { "name": "d", "max_down_mbit": 0.001 },
                  { "name": "e", "budget": {} }, { "name": "f", "budget": { "gigabytes": -2 } },
                  { "name": "g", "budget": { "gigabytes": 1, "period": "year" } },
                  { "name": "h", "budget": { "gigabytes": 1, "reset_day": 29 } },
                  { "name": "i", "budget": { "gigabytes": 1, "period": "week", "reset_day": 0 } },
                  { "name": "j", "congestion_control": "vegas" }, { "name": "k", "max_udp_payload": 1199 },
                  { "name": "l", "max_udp_payload": 9000 } ]""");
        assertEquals(List.of(
                "client.json: uplinks[0].weight: must be within 0.01..100, got 0.0",
                "client.json: uplinks[1].weight: must be within 0.01..100, got 101.0",
                "client.json: uplinks[2].max_up_mbit: must be 0 (no cap) .. 1000000 Mbit/s, got -1.0",
                "client.json: uplinks[3].max_down_mbit: below the smallest cap of 0.008 Mbit/s (1 kB/s): 0.001",
                "client.json: uplinks[4].budget.gigabytes: required, e.g. 20",
                "client.json: uplinks[5].budget.gigabytes: must be above 0 and at most 10^9, got -2.0",
                "client.json: uplinks[6].budget.period: unknown period 'year' (day, week, month)",
                "client.json: uplinks[7].budget.reset_day: must be 1..28 for a month, got 29",
                "client.json: uplinks[8].budget.reset_day: must be 1..7 for a week, got 0",
                "client.json: uplinks[9].congestion_control: must be bbr, cubic or reno, got 'vegas'",
                "client.json: uplinks[10].max_udp_payload: must be 1200..8972, got 1199",
                "client.json: uplinks[11].max_udp_payload: must be 1200..8972, got 9000"),
                problems(json));
    }

    @Test
    void theUdpPayloadSizeIsPerUplinkAnd1350ByDefault() throws Exception {
        ClientConfig c = parse(minimalReplacing("[ { \"name\": \"wan0\" } ]",
                "[ { \"name\": \"wan0\", \"max_udp_payload\": 1472 }, { \"name\": \"wan1\" } ]"));
        assertEquals(1472, c.uplinks().get(0).maxUdpPayload());
        assertEquals(1350, c.uplinks().get(1).maxUdpPayload());
        assertEquals(List.of("client.json: uplinks[0].max_udp_payload: the kwik engine keeps its own packet size,"
                        + " got 1472; use \"engine\": \"quiche\" to set it"),
                problems(minimalWith("\"engine\": \"kwik\"").replace("[ { \"name\": \"wan0\" } ]",
                        "[ { \"name\": \"wan0\", \"max_udp_payload\": 1472 } ]")));
    }

    @Test
    void congestionControlIsPerUplinkAndKwikHasBbrAndReno() throws Exception {
        String json = minimalReplacing("[ { \"name\": \"wan0\" } ]",
                "[ { \"name\": \"wan0\", \"congestion_control\": \"CUBIC\" }, { \"name\": \"wan1\" } ]");
        ClientConfig c = parse(json);
        assertEquals("cubic", c.uplinks().get(0).congestionControl());
        assertNull(c.uplinks().get(1).congestionControl(), "the engine's default");
        assertEquals(List.of("client.json: uplinks[0].congestion_control: the kwik engine has bbr (its delivery-rate"
                        + " window) and reno, got 'cubic'; use \"engine\": \"quiche\" for cubic"),
                problems(minimalWith("\"engine\": \"kwik\"").replace("[ { \"name\": \"wan0\" } ]",
                        "[ { \"name\": \"wan0\", \"congestion_control\": \"cubic\" } ]")));
        for (String accepted : List.of("bbr", "reno")) {
            ClientConfig kwik = parse(minimalWith("\"engine\": \"kwik\"").replace("[ { \"name\": \"wan0\" } ]",
                    "[ { \"name\": \"wan0\", \"congestion_control\": \"" + accepted + "\" } ]"));
            assertEquals(accepted, kwik.uplinks().getFirst().congestionControl());
        }
    }

    @Test
    void forwardProblems() {
        String json = minimalWith("""
                "forwards": [ { "protocol": "sctp", "listen": "127.0.0.1:1", "to": "h:1" },
                              { "protocol": "tcp" },
                              { "protocol": "udp", "listen": "127.0.0.1:2", "to": "h:0" } ]""");
        assertEquals(List.of(
                "client.json: forwards[0].protocol: must be \"tcp\" or \"udp\", got 'sctp'",
                "client.json: forwards[1].listen: required: IP:PORT to listen on",
                "client.json: forwards[1].to: required: HOST:PORT to forward to",
                "client.json: forwards[2].to: port must be 1..65535, got 0 in 'h:0'"), problems(json));
    }

    @Test
    void policyProblems() {
        String json = minimalWith("""
                "policy": { "default": "fastest", "rules": [
                    { "protocol": "icmp", "policy": "redundant" },
                    { "ports": "3481-3478", "policy": "redundant" },
                    { "cidr": ["10.0.0.1/8", null], "domain_suffix": ["*.example.com"], "policy": "redundant" },
                    { "ports": "53" },
                    null ] }""");
        assertEquals(List.of(
                "client.json: policy.default: unknown policy 'fastest' (aggregate, lowest-latency, redundant, failover)",
                "client.json: policy.rules[0].protocol: must be \"tcp\", \"udp\" or \"any\", got 'icmp'",
                "client.json: policy.rules[1].ports: bad port range '3481-3478': start is after end",
                "client.json: policy.rules[2].cidr[0]: not a CIDR network: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?",
                "client.json: policy.rules[2].cidr[1]: must be a string such as \"10.0.0.0/8\"",
                "client.json: policy.rules[2].domain_suffix[0]: no wildcards in domain suffixes: write 'example.com' to match it and every name beneath it",
                "client.json: policy.rules[3].policy: required: aggregate, lowest-latency, redundant or failover",
                "client.json: policy.rules[4]: must be an object"), problems(json));
    }

    @Test
    void bondRanges() {
        String json = minimalWith("""
                "bond": { "flow_window_bytes": 1024, "flow_send_buffer_bytes": 99999999999,
                          "open_timeout_s": 0, "udp_idle_timeout_s": -1 }""");
        assertEquals(List.of(
                "client.json: bond.flow_window_bytes: must be 65536..1073741824, got 1024",
                "client.json: bond.flow_send_buffer_bytes: must be 65536..1073741824, got 99999999999",
                "client.json: bond.open_timeout_s: must be 1..300, got 0",
                "client.json: bond.udp_idle_timeout_s: must be 1..86400, got -1"), problems(json));
    }

    @Test
    void statusEndpointIsLoopbackOnly() {
        assertEquals(List.of("client.json: status_listen: must be a loopback address such as 127.0.0.1:7071 or"
                        + " [::1]:7071 (the endpoint has no authentication), got '0.0.0.0:7071'"),
                problems(minimalWith("\"status_listen\": \"0.0.0.0:7071\"")));
    }

    @Test
    void listenersOnOnePortClash() {
        assertEquals(List.of("client.json: http.listen: TCP 127.0.0.1:1080 clashes with socks5.listen (127.0.0.1:1080)"),
                problems(minimalWith("\"http\": { \"listen\": \"127.0.0.1:1080\" }")));
        assertEquals(List.of("client.json: status_listen: TCP 127.0.0.1:1080 clashes with socks5.listen (0.0.0.0:1080)"),
                problems(minimalReplacing("\"socks5\": {}", "\"socks5\": { \"listen\": \"0.0.0.0:1080\" }")
                        .replace("{\n  \"server\"", "{ \"status_listen\": \"127.0.0.1:1080\", \"server\"")));
    }

    @Test
    void udpAndTcpListenersMayShareAPort() throws Exception {
        ClientConfig c = parse(minimalWith("""
                "forwards": [ { "protocol": "udp", "listen": "127.0.0.1:1080", "to": "h:53" } ]"""));
        assertEquals(1, c.forwards().size());
    }

    @Test
    void portZeroListenersNeverClash() throws Exception {
        ClientConfig c = parse(minimalWith("\"http\": { \"listen\": \"127.0.0.1:0\" }, \"status_listen\": \"127.0.0.1:0\"")
                .replace("\"socks5\": {}", "\"socks5\": { \"listen\": \"127.0.0.1:0\" }"));
        assertEquals(0, c.socks5().listen().getPort());
    }

    @Test
    void unknownEngineIsRejected() {
        assertEquals(List.of("client.json: engine: unknown engine 'msquic' (known: kwik, quiche)"),
                problems(minimalWith("\"engine\": \"msquic\"")));
    }

    @Test
    void loadsFromAFileAndNamesIt(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");
        Files.writeString(file, ConfigFixtures.minimal());
        assertEquals("alice", ClientConfig.load(file).user());

        Files.writeString(file, minimalWith("\"usr\": 1"));
        String message = assertThrows(ConfigException.class, () -> ClientConfig.load(file)).getMessage();
        assertTrue(message.startsWith(file + ": unknown key 'usr'"), message);

        Path missing = dir.resolve("missing.json");
        assertEquals(missing + ": no such file",
                assertThrows(ConfigException.class, () -> ClientConfig.load(missing)).getMessage());
    }

    @Test
    void hugeFilesAreRefused(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("client.json");
        Files.write(file, new byte[ConfigJson.MAX_BYTES + 10]);
        String message = assertThrows(ConfigException.class, () -> ClientConfig.load(file)).getMessage();
        assertTrue(message.endsWith("larger than 1048576 bytes; not a client config"), message);
    }

    @Test
    void commandLineOverridesAreValidatedToo() throws Exception {
        ClientConfig c = parse(ConfigFixtures.minimal()).withHttpListen("127.0.0.1:0").withSocks5Listen("[::1]:0")
                .withStatusListen("127.0.0.1:0");
        assertEquals(0, c.http().listen().getPort());
        assertEquals(InetAddress.getByName("::1"), c.socks5().listen().getAddress());
        assertEquals(List.of("command line: socks5.listen: not an IP address: 'nowhere' (listen on an address, e.g."
                        + " 127.0.0.1:1080 or [::1]:1080)"),
                assertThrows(ConfigException.class, () -> c.withSocks5Listen("nowhere:1")).problems());
    }

    @Test
    void uplinkMarkIsReadWrittenBackAndKeptApartFromTheRouterMark() throws Exception {
        ClientConfig c = parse(minimalReplacing("{ \"name\": \"wan0\" }", "{ \"name\": \"wan0\", \"mark\": 257 }"));
        assertEquals(257, c.uplinks().getFirst().mark());
        assertEquals(c, parse(c.toJson(true)));
        assertEquals(0, parse(ConfigFixtures.minimal()).uplinks().getFirst().mark());
        List<String> p = problems(minimalReplacing("{ \"name\": \"wan0\" }", "{ \"name\": \"wan0\", \"mark\": -1 }"));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("client.json: uplinks[0].mark:")), p.toString());
        List<String> same = problems(minimalWith("\"router\": {\"fwmark\": 4433}").replace("{ \"name\": \"wan0\" }",
                "{ \"name\": \"wan0\", \"mark\": 4433 }"));
        assertTrue(same.stream().anyMatch(l -> l.startsWith("client.json: uplinks[0].mark: must differ from router.fwmark")),
                same.toString());
    }

    @Test
    void failClosedAndTheLocalDnsPortAreReadAndWrittenBack() throws Exception {
        ClientConfig d = parse(minimalWith("\"router\": {}"));
        assertFalse(d.router().failClosed());
        assertEquals(null, d.router().dnsListen());
        ClientConfig c = parse(minimalWith("\"router\": {\"fail_closed\": true, \"dns\": {\"listen\": \"127.0.0.1:5353\"}}"));
        assertTrue(c.router().failClosed());
        assertEquals(new java.net.InetSocketAddress("127.0.0.1", 5353), c.router().dnsListen());
        assertEquals(c, parse(c.toJson(true)));
        List<String> p = problems(minimalWith("\"router\": {\"dns\": {\"listen\": \"127.0.0.1:5353\", \"resolver\": \"original\"}}"));
        assertTrue(p.stream().anyMatch(l -> l.startsWith("client.json: router.dns.listen: needs a router.dns.resolver")), p.toString());
        List<String> clash = problems(minimalWith("\"router\": {\"dns\": {\"listen\": \"127.0.0.1:4435\"}}"));
        assertTrue(clash.stream().anyMatch(l -> l.contains("router.dns.listen") && l.contains("clashes")), clash.toString());
    }
}
