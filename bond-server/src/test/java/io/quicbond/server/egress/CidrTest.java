package io.quicbond.server.egress;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quicbond.transport.net.IpLiterals;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/8,          10.0.0.0/8",
            "0.0.0.0/0,           0.0.0.0/0",
            "192.0.2.1,           192.0.2.1/32",
            "100.64.0.0/10,       100.64.0.0/10",
            "::/0,                ::/0",
            "::1,                 ::1/128",
            "FC00::/7,            fc00::/7",
            "fe80:0:0:0:0:0:0:0/10, fe80::/10",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1/128",
            "2001:0db8::/32,      2001:db8::/32",
            "::ffff:0.0.0.0/96,   ::ffff:0:0/96",
            "1:0:0:2:0:0:0:3,     1:0:0:2::3/128",
            "1:0:2:0:3:0:4:0,     1:0:2:0:3:0:4:0/128",
    })
    void parsesAndPrintsCanonically(String input, String canonical) {
        Cidr cidr = Cidr.parse(input);
        assertEquals(canonical, cidr.toString());
        assertEquals(cidr, Cidr.parse(cidr.toString()));
        assertEquals(cidr.hashCode(), Cidr.parse(cidr.toString()).hashCode());
    }

    @ParameterizedTest
    @CsvSource({
            "10.0.0.0/8,       10.0.0.0,        true",
            "10.0.0.0/8,       10.255.255.255,  true",
            "10.0.0.0/8,       11.0.0.0,        false",
            "172.16.0.0/12,    172.31.255.255,  true",
            "172.16.0.0/12,    172.32.0.0,      false",
            "172.16.0.0/12,    172.15.255.255,  false",
            "100.64.0.0/10,    100.127.255.255, true",
            "100.64.0.0/10,    100.128.0.0,     false",
            "0.0.0.0/0,        203.0.113.9,     true",
            "0.0.0.0/0,        ::1,             false",
            "192.0.2.1/32,     192.0.2.1,       true",
            "192.0.2.1/32,     192.0.2.2,       false",
            "fc00::/7,         fdff:ffff::1,    true",
            "fc00::/7,         fe00::1,         false",
            "fe80::/10,        febf::1,         true",
            "fe80::/10,        fec0::1,         false",
            "::/0,             2001:db8::1,     true",
            "::/0,             10.0.0.1,        false",
            "::1/128,          ::1,             true",
            "::1/128,          ::2,             false",
    })
    void containsAddressesOfItsFamilyOnly(String cidr, String address, boolean expected) throws Exception {
        // The literals here are all addresses, so getByName parses them without DNS.
        assertEquals(expected, Cidr.parse(cidr).contains(InetAddress.getByName(address)));
    }

    @Test
    void ipv4MappedIpv6AddressIsNotContainedInAnIpv4Network() throws Exception {
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 127;
        mapped[15] = 1;
        InetAddress v6 = Inet6Address.getByAddress(null, mapped, -1);
        assertFalse(Cidr.parse("127.0.0.0/8").contains(v6), "callers unmap first; Cidr does not guess");
        assertTrue(Cidr.parse("::ffff:0:0/96").contains(v6));
        assertFalse(Cidr.parse("127.0.0.0/8").contains(null));
    }

    @Test
    void ofClearsHostBits() throws Exception {
        assertEquals(Cidr.parse("192.168.0.0/16"), Cidr.of(InetAddress.getByName("192.168.77.1"), 16));
        assertEquals(Cidr.parse("2001:db8::/33"), Cidr.of(InetAddress.getByName("2001:db8:7fff::1"), 33));
        assertThrows(IllegalArgumentException.class, () -> Cidr.of(InetAddress.getByName("1.2.3.4"), 33));
        assertEquals(InetAddress.getByName("10.0.0.0"), Cidr.parse("10.0.0.0/8").network());
        assertEquals(8, Cidr.parse("10.0.0.0/8").prefixLength());
        assertTrue(Cidr.parse("10.0.0.0/8").isIpv4());
        assertFalse(Cidr.parse("::/0").isIpv4());
    }

    @Test
    void hostBitsAreAnErrorThatSuggestsTheNetwork() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.1.2.3/8"));
        assertEquals("bad CIDR '10.1.2.3/8': host bits are set; did you mean 10.0.0.0/8?", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("fe80::1/10"));
        assertTrue(e.getMessage().endsWith("did you mean fe80::/10?"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8/8",
            "10.0.0.0 /8", " 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0/8", "10.0.0.0.0/8", "256.0.0.0/8", "010.0.0.0/8",
            "10.0.0.00/32", "1.2.3.4.", ".1.2.3.4", "1..2.3", "0x7f.0.0.1", "2130706433", "127.1", "localhost",
            "example.com/24", "::/129", ":::/0", "1::2::3", "12345::/16", "g::/16", "1:2:3:4:5:6:7:8:9",
            "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::8", "::1.2.3.4.5", "::1.2.3", "1.2.3.4::", "fe80::1%eth0", "[::1]/128",
            "::ffff:1.2.3.04", ":1::", "1::2:", "１.２.３.４", "٠::", "10.0.0.0/8\n",
    })
    void rejectsEverythingElseWithAMessage(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(input));
        assertTrue(e.getMessage().startsWith("bad CIDR") || e.getMessage().equals("CIDR is missing"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void rejectsNull() {
        assertEquals("CIDR is missing", assertThrows(IllegalArgumentException.class, () -> Cidr.parse(null)).getMessage());
    }

    /** Random addresses printed by the JDK and by us parse back to the same bytes. */
    @Test
    void literalsRoundTripThroughTheJdkAndOurFormatter() throws Exception {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes = new byte[random.nextBoolean() ? 4 : 16];
            random.nextBytes(bytes);
            if (bytes.length == 16 && random.nextInt(4) == 0) {
                // Runs of zero groups exercise '::'.
                int from = random.nextInt(8);
                int to = from + random.nextInt(9 - from);
                for (int g = from; g < to; g++) {
                    bytes[2 * g] = 0;
                    bytes[2 * g + 1] = 0;
                }
            }
            if (IpLiterals.isIpv4Mapped(bytes)) {
                continue;
            }
            InetAddress jdk = InetAddress.getByAddress(bytes);
            assertArrayEquals(bytes, IpLiterals.parse(jdk.getHostAddress()), jdk.getHostAddress());
            String ours = IpLiterals.format(bytes);
            assertArrayEquals(bytes, IpLiterals.parse(ours), ours);
            assertArrayEquals(bytes, InetAddress.getByName(ours).getAddress(), ours);
            int prefix = random.nextInt(bytes.length * 8 + 1);
            Cidr cidr = Cidr.of(jdk, prefix);
            assertTrue(cidr.contains(jdk));
            assertEquals(cidr, Cidr.parse(cidr.toString()));
        }
    }

    /**
     * Fuzzes the parser with random text and mutations of valid CIDRs: it returns a CIDR or throws
     * IllegalArgumentException, nothing else; whatever it accepts, the JDK reads as the same address; and what it
     * prints, it reads back.
     */
    @Test
    void fuzzedInputYieldsACidrOrIllegalArgumentException() throws Exception {
        Random random = new Random(0xC1D2L);
        String alphabet = "0123456789abcdefABCDEFxg:./%[] -+\n１";
        String[] seeds = {"10.0.0.0/8", "192.168.1.0/24", "::/0", "fe80::/10", "2001:db8::1:0:0:1/128",
                "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "255.255.255.255/32", "1:2:3:4:5:6:1.2.3.4/128"};
        int accepted = 0;
        for (int i = 0; i < 100_000; i++) {
            String input = random.nextBoolean()
                    ? randomString(random, alphabet, random.nextInt(30))
                    : mutate(random, seeds[random.nextInt(seeds.length)], alphabet);
            Cidr cidr;
            try {
                cidr = Cidr.parse(input);
            } catch (IllegalArgumentException expected) {
                if (expected.getMessage() == null || expected.getMessage().contains("\n")) {
                    fail("bad message for '" + input + "': " + expected.getMessage());
                }
                continue;
            } catch (RuntimeException e) {
                fail("'" + input + "' threw " + e, e);
                return;
            }
            accepted++;
            assertEquals(cidr, Cidr.parse(cidr.toString()), input);
            String address = input.contains("/") ? input.substring(0, input.indexOf('/')) : input;
            // Differential check against the JDK: safe, since what we accepted is a literal and needs no DNS.
            byte[] jdk = InetAddress.getByName(address).getAddress();
            byte[] ours = IpLiterals.parse(address);
            if (IpLiterals.isIpv4Mapped(ours)) {
                assertTrue(InetAddress.getByName(address) instanceof Inet4Address, input);
                assertArrayEquals(java.util.Arrays.copyOfRange(ours, 12, 16), jdk, input);
            } else {
                assertArrayEquals(jdk, ours, input);
            }
        }
        assertTrue(accepted > 1_000, "the fuzzer reached the accepting path only " + accepted + " times");
    }

    private static String mutate(Random random, String valid, String alphabet) {
        StringBuilder s = new StringBuilder(valid);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && !s.isEmpty(); e++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(4)) {
                case 0 -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                case 1 -> s.deleteCharAt(at);
                case 2 -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                default -> {
                    // Leave it valid now and then, so that the accepting path is fuzzed too.
                }
            }
        }
        return s.toString();
    }

    private static String randomString(Random random, String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }
}
