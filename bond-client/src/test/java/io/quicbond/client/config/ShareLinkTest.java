package io.quicbond.client.config;

import static io.quicbond.client.config.ConfigFixtures.PIN;
import static io.quicbond.client.config.ConfigFixtures.SECRET;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.ingress.Mutator;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.tls.CertificatePin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ShareLinkTest {
    private static final String ENCODED_PIN = URLEncoder.encode(PIN, StandardCharsets.UTF_8);
    private static final String LINK = "quicbond://alice:" + SECRET + "@bond.example.net:443?pin=" + ENCODED_PIN
            + "&sni=bond.example.net";

    private static String problem(String link) {
        ConfigException e = assertThrows(ConfigException.class, () -> ShareLink.parse(link), link);
        assertEquals(1, e.problems().size());
        assertFalse(e.getMessage().contains(SECRET), e.getMessage());
        return e.getMessage();
    }

    @Test
    void linkGivesAMinimalConfig() throws Exception {
        ClientConfig c = ShareLink.parse(LINK);

        assertEquals(new HostPort("bond.example.net", 443), c.server().address());
        assertEquals(CertificatePin.parse(PIN), c.server().pin());
        assertEquals("bond.example.net", c.server().serverName());
        assertEquals("alice", c.user());
        assertEquals(SECRET, c.secret());
        assertArrayEquals("correct horse battery staple".getBytes(StandardCharsets.UTF_8), c.secretBytes());
        assertEquals(List.of(new ClientConfig.Uplink("wan0", null, null, null, true)), c.uplinks());
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1080), c.socks5().listen());
        assertNull(c.socks5().username());
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080), c.http().listen());
        assertEquals(List.of(), c.forwards());
        assertEquals(Policy.AGGREGATE, c.policy().defaultPolicy());
        assertEquals(7071, c.statusListen().getPort());
        assertEquals("quiche", c.engine());
    }

    @Test
    void sniDefaultsToQuicbond() throws Exception {
        ClientConfig c = ShareLink.parse("quicbond://alice:" + SECRET + "@192.0.2.1:443?pin=" + ENCODED_PIN);
        assertEquals("quicbond", c.server().serverName());
        assertEquals(new HostPort("192.0.2.1", 443), c.server().address());
    }

    @Test
    void ipv6HostsAreBracketed() throws Exception {
        ClientConfig c = ShareLink.parse("quicbond://alice:" + SECRET + "@[2001:DB8:0::1]:4433?pin=" + ENCODED_PIN);
        assertEquals(new HostPort("2001:db8::1", 4433), c.server().address());
        assertEquals("[2001:db8::1]:4433", c.server().address().toString());
    }

    @Test
    void rawPinCharactersAreAcceptedAndPlusIsNotASpace() throws Exception {
        // A pin of 32 bytes 0xfb: its base64 has '+' and '/'.
        byte[] hash = new byte[32];
        java.util.Arrays.fill(hash, (byte) 0xfb);
        String pin = "sha256/" + java.util.Base64.getEncoder().encodeToString(hash);
        assertTrue(pin.contains("+") && pin.contains("/"), pin);
        ClientConfig c = ShareLink.parse("quicbond://alice:" + SECRET + "@h.example:1?pin=" + pin);
        assertEquals(CertificatePin.parse(pin), c.server().pin());
    }

    @Test
    void percentEncodedUserAndLowerCaseHexAreDecoded() throws Exception {
        ClientConfig c = ShareLink.parse("QUICBOND://al%69ce:" + SECRET + "@h.example:1/?pin="
                + ENCODED_PIN.replace("%2F", "%2f").replace("%3D", "%3d") + "#my%20router");
        assertEquals("alice", c.user());
    }

    @Test
    void surroundingWhitespaceIsIgnored() throws Exception {
        assertEquals("alice", ShareLink.parse("  " + LINK + "\n").user());
    }

    @Test
    void formatIsReadBack() throws Exception {
        ClientConfig c = ShareLink.parse(LINK);
        String again = ShareLink.format(c);
        assertEquals(c, ShareLink.parse(again));
        assertTrue(again.startsWith("quicbond://alice:" + SECRET + "@bond.example.net:443?pin=sha256%2F"), again);

        ClientConfig v6 = ShareLink.parse("quicbond://bob%40home:" + SECRET + "@[::1]:9?pin=" + ENCODED_PIN);
        assertEquals("bob@home", v6.user());
        assertEquals(v6, ShareLink.parse(ShareLink.format(v6)));
    }

    @Test
    void badLinksSayWhichPartIsWrong() {
        String s = SECRET;
        String p = ENCODED_PIN;
        assertEquals("share link: missing", problem(null));
        assertEquals("share link: must start with quicbond:// (e.g. quicbond://USER:SECRET@HOST:PORT?pin=...)",
                problem("vless://alice:" + s + "@h:1?pin=" + p));
        assertEquals("share link: missing USER:SECRET@ before the host", problem("quicbond://h.example:1?pin=" + p));
        assertEquals("share link: missing ':' between user and secret", problem("quicbond://alice@h:1?pin=" + p));
        assertEquals("share link: user is empty", problem("quicbond://:" + s + "@h:1?pin=" + p));
        assertEquals("share link: secret is empty", problem("quicbond://alice:@h:1?pin=" + p));
        assertEquals("share link: server: expected HOST:PORT, got 'h'", problem("quicbond://alice:" + s + "@h?pin=" + p));
        assertEquals("share link: server: IPv6 addresses need brackets, e.g. [2001:db8::1]:443, got '::1:443'",
                problem("quicbond://alice:" + s + "@::1:443?pin=" + p));
        assertEquals("share link: server: not an IP address: '::g'",
                problem("quicbond://alice:" + s + "@[::g]:1?pin=" + p));
        assertEquals("share link: missing ?pin=sha256/... (the server's key pin)", problem("quicbond://alice:" + s + "@h:1"));
        assertEquals("share link: pin: certificate pin must start with 'sha256/', got 'abc'",
                problem("quicbond://alice:" + s + "@h:1?pin=abc"));
        assertEquals("share link: pin given twice", problem("quicbond://alice:" + s + "@h:1?pin=" + p + "&pin=" + p));
        assertEquals("share link: unknown parameter 'pinn' (known: pin, sni)",
                problem("quicbond://alice:" + s + "@h:1?pinn=" + p));
        assertEquals("share link: sni: not a host name: 'a b'", problem("quicbond://alice:" + s + "@h:1?pin=" + p + "&sni=a%20b"));
        assertEquals("share link: unexpected path after the port; expected ?pin=... there",
                problem("quicbond://alice:" + s + "@h:1/x?pin=" + p));
        assertEquals("share link: user: bad percent-encoding (expected % and two hex digits)",
                problem("quicbond://al%2:" + s + "@h:1?pin=" + p));
        assertEquals("share link: user: not UTF-8 after percent-decoding", problem("quicbond://al%FF:" + s + "@h:1?pin=" + p));
        assertEquals("share link: user: contains a control character", problem("quicbond://al%0A:" + s + "@h:1?pin=" + p));
        assertEquals("share link: user: contains a space or control character; percent-encode it",
                problem("quicbond://al ice:" + s + "@h:1?pin=" + p));
        assertEquals("share link: secret: not base64url text (letters, digits, '-' and '_', optionally '=' padded)",
                problem("quicbond://alice:" + s + "%2B@h:1?pin=" + p));
        assertTrue(problem("quicbond://alice:" + s + "@h:1?pin=" + p + "x".repeat(5000)).startsWith("share link: too long"));
    }

    @Test
    void mutatedLinksOnlyEverThrowConfigException() {
        Random random = new Random(7);
        byte[][] seeds = {LINK.getBytes(StandardCharsets.UTF_8),
                ("quicbond://b%C3%A9a:" + SECRET + "@[2001:db8::1]:4433/?pin=" + PIN + "#label").getBytes(StandardCharsets.UTF_8)};
        for (int i = 0; i < 10_000; i++) {
            byte[] mutated = Mutator.mutate(seeds[i % seeds.length], random);
            String link = new String(mutated, StandardCharsets.UTF_8);
            try {
                ClientConfig c = ShareLink.parse(link);
                assertEquals(c, ShareLink.parse(ShareLink.format(c)), link);
            } catch (ConfigException e) {
                assertTrue(e.getMessage().startsWith("share link: "), e.getMessage());
            } catch (RuntimeException | Error e) {
                throw new AssertionError("escaped for " + Mutator.hex(mutated), e);
            }
        }
    }

    @Test
    void randomTextOnlyEverThrowsConfigException() {
        Random random = new Random(11);
        String alphabet = "quicbond:/@?&=%[]#.-_+0123456789abcdefABCDEF é\u0000";
        for (int i = 0; i < 10_000; i++) {
            StringBuilder s = new StringBuilder(random.nextBoolean() ? "quicbond://" : "");
            int n = random.nextInt(80);
            for (int j = 0; j < n; j++) {
                s.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            try {
                ShareLink.parse(s.toString());
            } catch (ConfigException expected) {
                // fine
            } catch (RuntimeException | Error e) {
                throw new AssertionError("escaped for " + s, e);
            }
        }
    }
}
