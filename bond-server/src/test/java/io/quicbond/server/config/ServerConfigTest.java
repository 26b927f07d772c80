package io.quicbond.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.server.egress.Cidr;
import io.quicbond.transport.session.BondSettings;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerConfigTest {

    private static ServerConfig parse(String json) throws ConfigException {
        return ServerConfig.parse(json, "server.json");
    }

    private static String errorOf(String json) {
        return assertThrows(ConfigException.class, () -> parse(json)).getMessage();
    }

    @Test
    void anEmptyObjectGivesEveryDefault() throws Exception {
        ServerConfig c = parse("{}");
        assertEquals(new HostPort("0.0.0.0", 4433), c.listen());
        assertEquals(Optional.empty(), c.publicAddress(), "a wildcard listen host is no public address");
        assertEquals("quiche", c.engine());
        assertEquals(Path.of("cert.pem"), c.certificate());
        assertEquals(Path.of("key.pem"), c.privateKey());
        assertEquals(Path.of("users.json"), c.usersFile());
        assertEquals("quicbond", c.serverName());
        assertEquals(new HostPort("127.0.0.1", 7081), c.statusListen());
        assertFalse(c.statusPublic());
        assertEquals(List.of(), c.egress().allow());
        assertEquals(List.of(), c.egress().deny());
        assertEquals(List.of(), c.egress().denyPorts());
        assertEquals(Duration.ofMillis(10_000), c.egress().connectTimeout());
        assertEquals(16_777_216, c.bond().flowWindowBytes());
        assertEquals(16_777_216, c.bond().flowSendBufferBytes());
        assertEquals(4096, c.bond().maxFlowsPerSession());
        assertEquals(Duration.ofSeconds(60), c.bond().udpIdleTimeout());
        assertEquals(Duration.ofSeconds(60), c.bond().sessionGrace());
        assertEquals(Duration.ofSeconds(30), c.bond().idleTimeout());
        assertEquals(20, c.loginFailuresPerMinute());
        assertEquals(ServerConfig.defaults(), c);
    }

    @Test
    void nullMeansTheDefault() throws Exception {
        assertEquals(ServerConfig.defaults(), parse("{\"listen\": null, \"egress\": null, \"bond\": {\"idle_timeout_s\": null}}"));
    }

    @Test
    void publicAddressDefaultsToASpecificListenHost() throws Exception {
        assertEquals(Optional.of(new HostPort("203.0.113.7", 4433)),
                parse("{\"listen\": \"203.0.113.7:4433\"}").publicAddress());
        assertEquals(Optional.of(new HostPort("2001:db8::7", 443)),
                parse("{\"listen\": \"[2001:db8::7]:443\"}").publicAddress());
        assertEquals(Optional.empty(), parse("{\"listen\": \"[::]:443\"}").publicAddress());
    }

    @Test
    void publicAddressTakesTheListenPortUnlessItHasOne() throws Exception {
        assertEquals(new HostPort("vpn.example.com", 5000),
                parse("{\"listen\": \"0.0.0.0:5000\", \"public_address\": \"vpn.example.com\"}").publicAddress().get());
        assertEquals(new HostPort("vpn.example.com", 443),
                parse("{\"listen\": \"0.0.0.0:5000\", \"public_address\": \"vpn.example.com:443\"}").publicAddress().get());
        assertEquals(new HostPort("2001:db8::1", 5000),
                parse("{\"listen\": \"0.0.0.0:5000\", \"public_address\": \"2001:db8::1\"}").publicAddress().get());
        assertEquals(new HostPort("2001:db8::1", 443),
                parse("{\"listen\": \"0.0.0.0:5000\", \"public_address\": \"[2001:db8::1]:443\"}").publicAddress().get());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        ServerConfig c = parse("""
                {
                  "listen": "[::]:443",
                  "public_address": "vpn.example.com",
                  "engine": "kwik",
                  "certificate": "/etc/quicbond/tls/cert.pem",
                  "private_key": "tls/key.pem",
                  "users_file": "state/users.json",
                  "server_name": "bond.example.com",
                  "status_listen": "0.0.0.0:9000",
                  "status_public": true,
                  "egress": {"allow": ["10.1.0.0/16"], "deny": ["203.0.113.0/24", "2001:db8::/32"],
                             "deny_ports": [25, 465], "connect_timeout_ms": 2500},
                  "bond": {"flow_window_bytes": 1048576, "flow_send_buffer_bytes": 2097152,
                           "max_flows_per_session": 100, "udp_idle_timeout_s": 20, "session_grace_s": 0,
                           "idle_timeout_s": 10},
                  "login_failures_per_minute": 5
                }
                """);
        assertEquals(new HostPort("::", 443), c.listen());
        assertEquals(Path.of("/etc/quicbond/tls/cert.pem"), c.certificateFile(Path.of("/srv")));
        assertEquals(Path.of("/srv/tls/key.pem"), c.privateKeyFile(Path.of("/srv")));
        assertEquals(Path.of("/srv/state/users.json"), c.usersFilePath(Path.of("/srv")));
        assertEquals("bond.example.com", c.serverName());
        assertTrue(c.statusPublic());
        assertEquals(List.of(Cidr.parse("10.1.0.0/16")), c.egress().allow());
        assertFalse(c.egress().toPolicy().check(InetAddress.getByName("203.0.113.9"), 80).allowed());
        assertTrue(c.egress().toPolicy().check(InetAddress.getByName("10.1.2.3"), 80).allowed());
        assertFalse(c.egress().toPolicy().check(InetAddress.getByName("8.8.8.8"), 25).allowed());
        assertEquals(Duration.ofMillis(2500), c.egress().connectTimeout());
        BondSettings s = c.bond().toSettings();
        assertEquals(1 << 20, s.flowWindow());
        assertEquals(2 << 20, s.flowSendBuffer());
        assertEquals(100, s.maxFlowsPerSession());
        assertEquals(Duration.ofSeconds(20), s.udpIdleTimeout());
        assertEquals(Duration.ZERO, s.sessionGrace());
        assertEquals(BondSettings.defaults().probeInterval(), s.probeInterval());
        assertEquals(Duration.ofSeconds(10), c.bond().idleTimeout());
        assertEquals(5, c.loginFailuresPerMinute());
        assertEquals(c, parse(c.toJson()), "toJson reads back as the same config");
    }

    @Test
    void defaultsWriteAndReadBack() throws Exception {
        ServerConfig c = ServerConfig.defaults().withListen(HostPort.parse("127.0.0.1:0"))
                .withPublicAddress(Optional.of(new HostPort("::1", 0)));
        assertEquals(c, parse(c.toJson()));
        assertTrue(c.toJson().contains("\"listen\": \"127.0.0.1:0\""), c.toJson());
    }

    @Test
    void loadReadsAFileAndNamesItInErrors(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("server.json");
        Files.writeString(file, "{\"listen\": \"127.0.0.1:4433\"}");
        assertEquals(new HostPort("127.0.0.1", 4433), ServerConfig.load(file).listen());
        Files.writeString(file, "{\"listen\": \"abc\"}");
        assertEquals(file + ": listen: expected host:port, got 'abc'",
                assertThrows(ConfigException.class, () -> ServerConfig.load(file)).getMessage());
        Path missing = dir.resolve("nope.json");
        assertEquals(missing + ": no such file (create one with `bond-server init --dir DIR`)",
                assertThrows(ConfigException.class, () -> ServerConfig.load(missing)).getMessage());
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "{\"listen\": \"abc\"}                 | server.json: listen: expected host:port, got 'abc'",
            "{\"listen\": \"1.2.3.4:70000\"}       | server.json: listen: port must be 0..65535, got 70000",
            "{\"listen\": \"1.2.3.4:http\"}        | server.json: listen: expected host:port with a port number, got '1.2.3.4:http'",
            "{\"listen\": \":4433\"}               | server.json: listen: expected host:port, the host is missing in ':4433' (0.0.0.0 or [::] listens on every address)",
            "{\"listen\": \"::1:4433\"}            | server.json: listen: an IPv6 address goes in brackets, as in [::1]:4433, got '::1:4433'",
            "{\"listen\": \"300.1.1.1:4433\"}      | server.json: listen: not an IP address or host name: '300.1.1.1' in '300.1.1.1:4433'",
            "{\"listen\": \"[vpn.example]:4433\"}  | server.json: listen: only an IPv6 address goes in brackets, got '[vpn.example]:4433'",
            "{\"listen\": 4433}                    | server.json: listen: expected a string, got an integer",
            "{\"public_address\": \"a b\"}         | server.json: public_address: not an IP address or host name: 'a b'",
            "{\"engine\": \"msquic\"}              | server.json: engine: unknown engine 'msquic', expected one of kwik, quiche",
            "{\"certificate\": \"\"}               | server.json: certificate: must be a file path, got ''",
            "{\"private_key\": \"a\\u0000b\"}      | server.json: private_key: not a valid file path: 'a\\u0000b'",
            "{\"server_name\": \"10.0.0.1\"}       | server.json: server_name: must be a DNS name (it goes into the certificate and the clients' SNI), got '10.0.0.1'",
            "{\"status_listen\": \"0.0.0.0:7081\"} | server.json: status_listen: must be a loopback address (127.0.0.1, ::1 or localhost) unless status_public is true, got '0.0.0.0:7081'",
            "{\"status_public\": \"yes\"}          | server.json: status_public: expected true or false, got a string",
            "{\"status_public\": 1}                | server.json: status_public: expected true or false, got an integer",
            "{\"lisen\": \"0.0.0.0:1\"}            | server.json: unknown key 'lisen', did you mean 'listen'? (known keys: bond, certificate, egress, engine, listen, login_failures_per_minute, private_key, public_address, server_name, status_listen, status_public, users_file, vless)",
            "{\"egress\": {\"alow\": []}}          | server.json: egress: unknown key 'alow', did you mean 'allow'? (known keys: allow, connect_timeout_ms, deny, deny_ports)",
            "{\"egress\": {\"allow\": [\"10.0.0.1/8\"]}}        | server.json: egress.allow[0]: bad CIDR '10.0.0.1/8': host bits are set; did you mean 10.0.0.0/8?",
            "{\"egress\": {\"deny\": [\"1.1.1.0/24\", null]}}   | server.json: egress.deny[1]: expected a CIDR such as 10.0.0.0/8, got null",
            "{\"egress\": {\"allow\": \"10.0.0.0/8\"}}          | server.json: egress.allow: expected a list, got a string",
            "{\"egress\": {\"allow\": [8]}}                     | server.json: egress.allow[0]: expected a string, got an integer",
            "{\"egress\": {\"deny_ports\": [25, 0]}}            | server.json: egress.deny_ports[1]: must be a port 1..65535, got 0",
            "{\"egress\": {\"deny_ports\": [\"25\"]}}           | server.json: egress.deny_ports[0]: expected an integer, got a string",
            "{\"egress\": {\"connect_timeout_ms\": 0}}          | server.json: egress.connect_timeout_ms: must be 1..600000, got 0",
            "{\"egress\": {\"connect_timeout_ms\": 1.5}}        | server.json: egress.connect_timeout_ms: expected an integer, got a decimal number",
            "{\"egress\": []}                                   | server.json: egress: expected an object, got a list",
            "{\"bond\": {\"flow_window_bytes\": 1000}}          | server.json: bond.flow_window_bytes: must be 65536..1073741824, got 1000",
            "{\"bond\": {\"flow_send_buffer_bytes\": -1}}       | server.json: bond.flow_send_buffer_bytes: must be 65536..1073741824, got -1",
            "{\"bond\": {\"max_flows_per_session\": 0}}         | server.json: bond.max_flows_per_session: must be 1..1000000, got 0",
            "{\"bond\": {\"max_flows_per_session\": 99999999999}} | server.json: bond.max_flows_per_session: number out of range: '99999999999'",
            "{\"bond\": {\"udp_idle_timeout_s\": 0}}            | server.json: bond.udp_idle_timeout_s: must be 1..86400, got 0",
            "{\"bond\": {\"session_grace_s\": -5}}              | server.json: bond.session_grace_s: must be 0..86400, got -5",
            "{\"bond\": {\"idle_timeout_s\": 7200}}             | server.json: bond.idle_timeout_s: must be 1..3600, got 7200",
            "{\"bond\": {\"window\": 1}}                        | server.json: bond: unknown key 'window' (known keys: flow_send_buffer_bytes, flow_window_bytes, idle_timeout_s, max_flows_per_session, max_udp_payload, session_grace_s, udp_idle_timeout_s)",
            "{\"bond\": {\"max_udp_payload\": 1000}}            | server.json: bond.max_udp_payload: must be 1200..8972, got 1000",
            "{\"login_failures_per_minute\": 0}                 | server.json: login_failures_per_minute: must be 1..1000000, got 0",
            "`   `                                              | server.json: is empty; expected a JSON object such as {\"listen\": \"0.0.0.0:4433\"}",
            "[]                                                 | server.json: expected an object, got a list",
            "null                                               | server.json: expected a JSON object, got null",
            "{\"listen\": \"1.1.1.1:1\", \"listen\": \"2.2.2.2:2\"} | server.json: listen: appears twice at line 1, column 33",
            "{\"listen\": \"1.1.1.1:1\"} {}                     | server.json: unexpected content after the JSON object at line 1, column 25",
    })
    void badInputIsNamedWithItsKeyAndReason(String json, String expected) {
        assertEquals(expected, errorOf(json));
    }

    @Test
    void malformedJsonSaysWhere() {
        String message = errorOf("{\"listen\": \"1.1.1.1:1\",\n  \"engine\" \"kwik\"}");
        assertTrue(message.startsWith("server.json: engine: not valid JSON at line 2, column 12: Unexpected character"), message);
    }

    @Test
    void statusMayListenPubliclyWhenAllowed() throws Exception {
        assertEquals(new HostPort("0.0.0.0", 7081),
                parse("{\"status_listen\": \"0.0.0.0:7081\", \"status_public\": true}").statusListen());
        assertEquals(new HostPort("localhost", 7081), parse("{\"status_listen\": \"localhost:7081\"}").statusListen());
        assertEquals(new HostPort("::1", 7081), parse("{\"status_listen\": \"[::1]:7081\"}").statusListen());
        assertEquals(new HostPort("127.0.0.2", 0), parse("{\"status_listen\": \"127.0.0.2:0\"}").statusListen());
    }

    @Test
    void recordsCheckValuesBuiltInCode() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServerConfig.defaults().withStatusListen(HostPort.parse("192.0.2.1:80"), false));
        assertTrue(e.getMessage().startsWith("status_listen: must be a loopback address"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HostPort("no such host!", 1));
    }
}
