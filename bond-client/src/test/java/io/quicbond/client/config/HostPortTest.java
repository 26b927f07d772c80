package io.quicbond.client.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class HostPortTest {

    @Test
    void parsesNamesIpv4AndBracketedIpv6() {
        assertEquals(new HostPort("bond.example.net", 443), HostPort.parse("bond.example.net:443"));
        assertEquals(new HostPort("192.0.2.1", 1), HostPort.parse("192.0.2.1:1"));
        assertEquals(new HostPort("2001:db8::1", 65535), HostPort.parse("[2001:0DB8:0:0::1]:65535"));
        assertEquals("[2001:db8::1]:65535", HostPort.parse("[2001:db8::1]:65535").toString());
    }

    @Test
    void listenAddressesMustBeLiteralsAndMayUsePortZero() {
        assertEquals(new HostPort("127.0.0.1", 0), HostPort.parseListen("127.0.0.1:0"));
        assertEquals("not an IP address: 'localhost' (listen on an address, e.g. 127.0.0.1:1080 or [::1]:1080)",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parseListen("localhost:1")).getMessage());
    }

    @Test
    void rejectsWhatIsNotHostAndPort() {
        for (String bad : new String[] {"", ":1", "h:", "h", "h:x", "h:-1", "h:+1", "h:100000", "[::1]", "[1.2.3.4]:1",
                "[::1:1", "::1:1", "a b:1", "a..b:1", "-a:1", "1.2.3:1", "256.1.1.1:1", "é.example:1", "[fe80::1%eth0]:1"}) {
            assertThrows(IllegalArgumentException.class, () -> HostPort.parse(bad), bad);
        }
    }

    @Test
    void socketAddressesResolveLiteralsOnlyAndNeverLookUpNames() throws Exception {
        InetSocketAddress literal = HostPort.parse("192.0.2.1:443").toSocketAddress();
        assertFalse(literal.isUnresolved());
        assertEquals(InetAddress.getByName("192.0.2.1"), literal.getAddress());
        InetSocketAddress name = HostPort.parse("bond.example.net:443").toSocketAddress();
        assertTrue(name.isUnresolved());
        assertEquals("bond.example.net", name.getHostString());
    }

    @Test
    void formatsBoundAddresses() throws Exception {
        assertEquals("[::1]:80", HostPort.format(new InetSocketAddress(InetAddress.getByName("::1"), 80)));
        assertEquals("127.0.0.1:80", HostPort.format(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 80)));
    }
}
