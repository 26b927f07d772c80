package io.quicbond.client.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.net.IpLiterals;
import org.junit.jupiter.api.Test;

class CidrTest {
    private static byte[] ip(String s) {
        return IpLiterals.parse(s);
    }

    @Test
    void ipv4NetworksContainTheirAddressesOnly() {
        Cidr c = Cidr.parse("10.0.0.0/8");
        assertTrue(c.contains(ip("10.0.0.0")));
        assertTrue(c.contains(ip("10.255.255.255")));
        assertFalse(c.contains(ip("11.0.0.0")));
        assertFalse(c.contains(ip("9.255.255.255")));
        Cidr odd = Cidr.parse("192.168.4.0/22");
        assertTrue(odd.contains(ip("192.168.7.255")));
        assertFalse(odd.contains(ip("192.168.8.0")));
        assertFalse(odd.contains(ip("192.168.3.255")));
    }

    @Test
    void ipv6NetworksContainTheirAddressesOnly() {
        Cidr c = Cidr.parse("2001:db8::/33");
        assertTrue(c.contains(ip("2001:db8::1")));
        assertTrue(c.contains(ip("2001:db8:7fff:ffff:ffff:ffff:ffff:ffff")));
        assertFalse(c.contains(ip("2001:db8:8000::")));
        assertEquals("2001:db8::/33", c.toString());
    }

    @Test
    void familiesNeverMix() {
        assertFalse(Cidr.parse("0.0.0.0/0").contains(ip("::1")));
        assertFalse(Cidr.parse("::/0").contains(ip("127.0.0.1")));
        assertTrue(Cidr.parse("0.0.0.0/0").contains(ip("127.0.0.1")));
        assertTrue(Cidr.parse("::/0").contains(ip("::1")));
    }

    @Test
    void bareAddressesAreSingleHosts() {
        assertEquals("192.0.2.1/32", Cidr.parse("192.0.2.1").toString());
        assertEquals("::1/128", Cidr.parse("::1").toString());
        assertTrue(Cidr.parse("::1").contains(ip("0:0:0:0:0:0:0:1")));
    }

    @Test
    void strictParsingSaysWhatIsWrong() {
        assertEquals("not a CIDR network: '10.0.0.1/8' has host bits set; did you mean 10.0.0.0/8?",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.1/8")).getMessage());
        assertEquals("not a CIDR network: '10.0.0.0/33': the prefix length must be 0..32",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.0.0.0/33")).getMessage());
        assertEquals("not a CIDR network: 'example.com/8': not an IP address: 'example.com'",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("example.com/8")).getMessage());
        assertEquals("not a CIDR network: '::ffff:10.0.0.0/104': write IPv4-mapped networks as IPv4 (destinations are"
                        + " matched as IPv4)",
                assertThrows(IllegalArgumentException.class, () -> Cidr.parse("::ffff:10.0.0.0/104")).getMessage());
        for (String bad : new String[] {"", "/8", "10.0.0.0/", "10.0.0.0/08", "10.0.0.0/-1", "10.0.0/8", "10.0.0.0/8/8",
                "::1/129", "[::1]/128", "fe80::1%eth0/64", "10.0.0.0 /8"}) {
            assertThrows(IllegalArgumentException.class, () -> Cidr.parse(bad), bad);
        }
    }

    @Test
    void canonicalFormParsesBackEqual() {
        for (String s : new String[] {"10.0.0.0/8", "0.0.0.0/0", "2001:db8::/32", "fe80::/10", "::/0", "1:0:0:1::/64"}) {
            Cidr c = Cidr.parse(s);
            assertEquals(c, Cidr.parse(c.toString()));
        }
    }
}
