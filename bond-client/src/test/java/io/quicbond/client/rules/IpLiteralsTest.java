package io.quicbond.client.rules;

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
}
