package io.quicbond.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.tls.CertificatePin;
import io.quicbond.transport.tls.ServerIdentity;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BondServerCommandTest {

    static final Pattern SHARE_LINK = Pattern.compile(
            "quicbond://([A-Za-z0-9._-]+):([A-Za-z0-9_-]{43})@([^?]+):(\\d+)\\?pin=([^&\\s]+)&sni=([^\\s]+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private Cli.Result init(String... extra) {
        String[] args = new String[2 + extra.length + 1];
        args[0] = "init";
        args[1] = "--dir";
        args[2] = dir.toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return Cli.run(args);
    }

    @Test
    void initWritesAWorkingDirectoryAndPrintsAShareLinkAndClientConfig() throws Exception {
        Cli.Result r = init("--public-address", "vpn.example.com");
        assertEquals(0, r.code(), r.toString());

        ServerConfig config = ServerConfig.load(dir.resolve("server.json"));
        assertEquals(new HostPort("0.0.0.0", 4433), config.listen());
        assertEquals(Optional.of(new HostPort("vpn.example.com", 4433)), config.publicAddress());
        ServerIdentity identity = ServerIdentity.load(dir);
        assertEquals(List.of("admin"), UserStore.open(dir.resolve("users.json")).list().stream().map(u -> u.name()).toList());

        Matcher link = SHARE_LINK.matcher(r.out());
        assertTrue(link.find(), r.out());
        assertEquals("admin", link.group(1));
        String secret = link.group(2);
        assertEquals("vpn.example.com", link.group(3));
        assertEquals("4433", link.group(4));
        assertEquals(identity.pin(), URLDecoder.decode(link.group(5), StandardCharsets.UTF_8));
        assertEquals("quicbond", link.group(6));
        assertTrue(UserStore.open(dir.resolve("users.json")).authenticate("admin", UserStore.decodeSecret(secret)).isPresent(),
                "the printed secret is the stored one");

        JsonNode client = JSON.readTree(r.out().substring(r.out().indexOf("{"), r.out().lastIndexOf("}") + 1));
        assertEquals("vpn.example.com:4433", client.path("server").path("address").asText());
        assertEquals(identity.pin(), client.path("server").path("pin").asText());
        assertEquals("quicbond", client.path("server").path("server_name").asText());
        assertEquals("admin", client.path("user").asText());
        assertEquals(secret, client.path("secret").asText());
        assertEquals("wan0", client.path("uplinks").path(0).path("name").asText());
        assertEquals("127.0.0.1:1080", client.path("socks5").path("listen").asText());
        assertEquals("127.0.0.1:8080", client.path("http").path("listen").asText());
        CertificatePin.parse(client.path("server").path("pin").asText());
        assertTrue(r.out().contains(dir.resolve("server.json").toString()), "says where the files went");
    }

    @Test
    void initPutsAnIpv6PublicAddressInBrackets() {
        Cli.Result r = init("--listen", "[::]:443", "--public-address", "2001:db8::7", "--user", "alice");
        assertEquals(0, r.code(), r.toString());
        Matcher link = SHARE_LINK.matcher(r.out());
        assertTrue(link.find(), r.out());
        assertEquals("alice", link.group(1));
        assertEquals("[2001:db8::7]", link.group(3));
        assertEquals("443", link.group(4));
        assertTrue(r.out().contains("\"address\": \"[2001:db8::7]:443\""), r.out());
    }

    @Test
    void initTakesTheListenHostAsPublicAddressWhenItIsNotAWildcard() throws Exception {
        Cli.Result r = init("--listen", "203.0.113.9:4500");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("@203.0.113.9:4500?pin="), r.out());
    }

    @Test
    void initRefusesToOverwriteWithoutForce() throws Exception {
        assertEquals(0, init("--listen", "127.0.0.1:4433").code());
        String pin = ServerIdentity.load(dir).pin();
        Cli.Result again = init("--listen", "127.0.0.1:4433");
        assertEquals(ExitCodes.FAILURE, again.code(), again.toString());
        assertEquals("bond-server: " + dir.resolve("server.json") + " already exists; use --force to replace the "
                + "configuration, certificate and users in " + dir + "\n", again.err());
        assertEquals(pin, ServerIdentity.load(dir).pin(), "nothing was replaced");

        Cli.Result forced = init("--listen", "127.0.0.1:4433", "--user", "bob", "--force");
        assertEquals(0, forced.code(), forced.toString());
        assertFalse(pin.equals(ServerIdentity.load(dir).pin()), "a new identity");
        assertEquals(List.of("bob"), UserStore.open(dir.resolve("users.json")).list().stream().map(u -> u.name()).toList());
    }

    @Test
    void initExplainsBadOptions() {
        Cli.Result wildcard = init();
        assertEquals(ExitCodes.USAGE, wildcard.code());
        assertEquals("bond-server: --public-address is required when listening on every address (0.0.0.0:4433): give "
                + "the host name or IP address clients connect to\n", wildcard.err());
        Cli.Result badListen = init("--listen", "abc");
        assertEquals(ExitCodes.USAGE, badListen.code());
        assertEquals("bond-server: --listen: expected host:port, got 'abc'\n", badListen.err());
        Cli.Result badUser = init("--listen", "127.0.0.1:1", "--user", "no spaces");
        assertEquals(ExitCodes.USAGE, badUser.code());
        assertTrue(badUser.err().startsWith("bond-server: --user: a user name is 1..64 characters"), badUser.err());
        Cli.Result noDir = Cli.run("init");
        assertEquals(ExitCodes.USAGE, noDir.code());
        assertTrue(noDir.err().contains("Missing required option: '--dir=DIR'"), noDir.err());
        assertFalse(Files.exists(dir.resolve("server.json")));
    }

    @Test
    void userAddListRemove() throws Exception {
        assertEquals(0, init("--listen", "127.0.0.1:4433").code());
        String config = dir.resolve("server.json").toString();

        Cli.Result add = Cli.run("user", "add", "carol", "--config", config);
        assertEquals(0, add.code(), add.toString());
        Matcher link = SHARE_LINK.matcher(add.out());
        assertTrue(link.find(), add.out());
        assertEquals("carol", link.group(1));
        assertTrue(add.out().contains("Their secret (shown only this once): " + link.group(2)), add.out());
        assertTrue(UserStore.open(dir.resolve("users.json")).authenticate("carol",
                UserStore.decodeSecret(link.group(2))).isPresent());
        assertTrue(add.out().contains("\"user\": \"carol\""), "and a client.json");

        Cli.Result duplicate = Cli.run("user", "add", "carol", "--config", config);
        assertEquals(ExitCodes.FAILURE, duplicate.code());
        assertEquals("bond-server: user 'carol' already exists\n", duplicate.err());

        Cli.Result list = Cli.run("user", "list", "-c", config);
        assertEquals(0, list.code(), list.toString());
        assertEquals("""
                NAME   VLESS UUID  SESSIONS  FLOWS/SESSION  RATE LIMIT
                admin  -                  4           4096   unlimited
                carol  -                  4           4096   unlimited
                """, list.out());

        Cli.Result remove = Cli.run("user", "remove", "carol", "--config", config);
        assertEquals(0, remove.code(), remove.toString());
        assertEquals("Removed user carol.\n", remove.out());
        Cli.Result again = Cli.run("user", "remove", "carol", "--config", config);
        assertEquals(ExitCodes.FAILURE, again.code());
        assertEquals("bond-server: no user 'carol' in " + dir.resolve("users.json") + "\n", again.err());
        assertFalse(Cli.run("user", "list", "-c", config).out().contains("carol"));
    }

    @Test
    void userAddWithoutPublicAddressPrintsTheSecretOnly() throws Exception {
        assertEquals(0, init("--public-address", "vpn.example.com").code());
        Path config = dir.resolve("server.json");
        Files.writeString(config, ServerConfig.load(config).withPublicAddress(Optional.empty()).toJson());
        Cli.Result add = Cli.run("user", "add", "dave", "--config", config.toString());
        assertEquals(0, add.code(), add.toString());
        assertTrue(add.out().contains("No share link: set public_address in " + config), add.out());
        assertFalse(SHARE_LINK.matcher(add.out()).find());
    }

    @Test
    void aBadConfigExitsWithTheConfigCode() throws Exception {
        Path config = dir.resolve("server.json");
        Files.writeString(config, "{\"listen\": \"abc\"}");
        Cli.Result r = Cli.run("user", "list", "--config", config.toString());
        assertEquals(ExitCodes.CONFIG, r.code());
        assertEquals("bond-server: " + config + ": listen: expected host:port, got 'abc'\n", r.err());
        assertEquals(0, init("--listen", "127.0.0.1:4433", "--force").code());
        java.nio.file.Files.delete(dir.resolve("cert.pem"));
        Cli.Result noCert = Cli.run("run", "--config", config.toString());
        assertEquals(ExitCodes.CONFIG, noCert.code());
        assertEquals("bond-server: " + config + ": certificate: " + dir.resolve("cert.pem")
                + ": no such file (`bond-server init` makes one)\n", noCert.err());
        Cli.Result missing = Cli.run("run", "--config", dir.resolve("nope.json").toString());
        assertEquals(ExitCodes.CONFIG, missing.code());
        assertTrue(missing.err().contains("nope.json: no such file"), missing.err());
    }

    @Test
    void usageErrorsAndHelp() {
        Cli.Result none = Cli.run();
        assertEquals(ExitCodes.USAGE, none.code());
        assertTrue(none.err().contains("Usage: bond-server"), none.err());
        Cli.Result unknown = Cli.run("frobnicate");
        assertEquals(ExitCodes.USAGE, unknown.code());
        assertTrue(unknown.err().startsWith("bond-server: Unmatched argument at index 0: 'frobnicate'"), unknown.err());
        Cli.Result help = Cli.run("user", "add", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("Usage: bond-server user add"), help.out());
        Cli.Result version = Cli.run("--version");
        assertEquals(0, version.code());
        assertTrue(version.out().startsWith("bond-server "), version.out());
        Cli.Result badLevel = Cli.run("run", "--log-level", "LOUD");
        assertEquals(ExitCodes.USAGE, badLevel.code());
    }

    @Test
    void statusSaysWhenNoServerAnswers() throws Exception {
        int port;
        try (var socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Cli.Result r = Cli.run("status", "--url", "http://127.0.0.1:" + port);
        assertEquals(ExitCodes.UNAVAILABLE, r.code(), r.toString());
        assertTrue(r.err().startsWith("bond-server: no server answers at http://127.0.0.1:" + port), r.err());
        Cli.Result both = Cli.run("status", "--url", "http://127.0.0.1:1", "--config", "x.json");
        assertEquals(ExitCodes.USAGE, both.code(), both.toString());
    }
}
