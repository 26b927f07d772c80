package io.quicbond.transport.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IpLiteralsTest {

    @Test
    void parsesIpv4AndIpv6() throws Exception {
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 1}, IpLiterals.parse("192.0.2.1"));
        assertArrayEquals(InetAddress.getByName("2001:db8::1").getAddress(), IpLiterals.parse("2001:DB8::1"));
        assertEquals(16, IpLiterals.parse("::ffff:192.0.2.1").length);
    }

    @Test
    void neverLooksUpNames() {
        for (String bad : new String[] {"localhost", "example.com", "g::1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.256",
                "::1%lo", "[::1]", "1::2::3", "::ffff:01.2.3.4", "", "１.2.3.4"}) {
            assertThrows(IllegalArgumentException.class, () -> IpLiterals.parse(bad), bad);
        }
    }

    @Test
    void formatsIpv6TheRfc5952Way() {
        assertEquals("2001:db8::1", IpLiterals.format(IpLiterals.parse("2001:0db8:0000:0000:0000:0000:0000:0001")));
        assertEquals("::", IpLiterals.format(new byte[16]));
        assertEquals("1:0:0:1::1", IpLiterals.format(IpLiterals.parse("1:0:0:1:0:0:0:1")));
        assertEquals("2001:db8:0:1:1:1:1:1", IpLiterals.format(IpLiterals.parse("2001:db8:0:1:1:1:1:1")));
        assertEquals("1::1:0:0:1", IpLiterals.format(IpLiterals.parse("1:0:0:0:1:0:0:1")));
    }

    @Test
    void formatParsesBackToTheSameBytes() {
        Random random = new Random(3);
        for (int i = 0; i < 10_000; i++) {
            byte[] a = new byte[random.nextBoolean() ? 4 : 16];
            for (int j = 0; j < a.length; j++) {
                a[j] = random.nextInt(3) == 0 ? 0 : (byte) random.nextInt(256);
            }
            if (a.length == 16 && a[10] == (byte) 0xff && a[11] == (byte) 0xff) {
                continue;
            }
            assertArrayEquals(a, IpLiterals.parse(IpLiterals.format(a)), IpLiterals.format(a));
        }
    }

    @Test
    void unmapTurnsAMappedAddressBuiltFromBytesIntoIpv4() throws Exception {
        byte[] mapped = IpLiterals.parse("::ffff:192.0.2.1");
        assertEquals(true, IpLiterals.isIpv4Mapped(mapped));
        java.net.InetAddress v6 = java.net.Inet6Address.getByAddress(null, mapped, -1);
        assertEquals(InetAddress.getByName("192.0.2.1"), IpLiterals.unmap(v6));
        assertEquals(InetAddress.getByName("2001:db8::1"), IpLiterals.unmap(InetAddress.getByName("2001:db8::1")));
    }

    /**
     * Random text and mutations of valid literals: the parser returns 4 or 16 bytes or throws
     * IllegalArgumentException with a one-line message, nothing else; whatever it accepts, the JDK reads as the same
     * address (safe: an accepted text is a literal and needs no lookup).
     */
    @Test
    void fuzzedInputYieldsAnAddressOrIllegalArgumentException() throws Exception {
        Random random = new Random(0x1A7EL);
        String alphabet = "0123456789abcdefABCDEFxg:.%[] -+\n１";
        String[] seeds = {"10.0.0.1", "255.255.255.255", "::", "fe80::1", "2001:db8::1:0:0:1", "::ffff:1.2.3.4",
                "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4"};
        for (int i = 0; i < 100_000; i++) {
            String input;
            if (random.nextBoolean()) {
                StringBuilder b = new StringBuilder();
                for (int n = random.nextInt(30); n > 0; n--) {
                    b.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                input = b.toString();
            } else {
                StringBuilder b = new StringBuilder(seeds[random.nextInt(seeds.length)]);
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    int at = random.nextInt(b.length() + 1);
                    switch (random.nextInt(3)) {
                        case 0 -> b.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
                        case 1 -> {
                            if (at < b.length()) {
                                b.deleteCharAt(at);
                            }
                        }
                        default -> {
                            if (at < b.length()) {
                                b.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                            }
                        }
                    }
                }
                input = b.toString();
            }
            byte[] ours;
            try {
                ours = IpLiterals.parse(input);
            } catch (IllegalArgumentException expected) {
                assertEquals(false, expected.getMessage() == null || expected.getMessage().contains("\n"), input);
                continue;
            }
            byte[] jdk = InetAddress.getByName(input).getAddress();
            if (IpLiterals.isIpv4Mapped(ours)) {
                assertArrayEquals(java.util.Arrays.copyOfRange(ours, 12, 16), jdk, input);
            } else {
                assertArrayEquals(jdk, ours, input);
            }
        }
    }
}
