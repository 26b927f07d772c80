package io.quicbond.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DestinationTest {

    @Test
    void ipv6LiteralsTakeTheirRfc5952Form() {
        assertEquals("2001:db8::1", new Destination("2001:DB8:0:0:0:0:0:1", 1).host());
        assertEquals("::", new Destination("0:0:0:0:0:0:0:0", 1).host());
        assertEquals("::1", new Destination("[::1]", 1).host());
        assertEquals("2001:db8:0:1:1:1:1:1", new Destination("2001:db8::1:1:1:1:1", 1).host(), "a single zero group stays");
        assertEquals("2001:0:0:1::1", new Destination("2001:0:0:1:0:0:0:1", 1).host(), "the longest run is compressed");
        assertEquals("127.0.0.1", new Destination("::ffff:127.0.0.1", 1).host());
        assertEquals("[2001:db8::1]:443", new Destination("2001:db8::1", 443).toString());
    }

    @Test
    void kindsAndParsing() {
        assertEquals(Destination.Kind.IPV4, new Destination("192.0.2.1", 1).kind());
        assertEquals(Destination.Kind.IPV6, new Destination("::1", 1).kind());
        assertEquals(Destination.Kind.DOMAIN, new Destination("example.com", 1).kind());
        assertEquals(new Destination("::1", 80), Destination.parse("[::1]:80"));
        assertThrows(IllegalArgumentException.class, () -> Destination.parse("::1:80"));
        assertThrows(IllegalArgumentException.class, () -> new Destination("1:2:3", 80));
        assertThrows(IllegalArgumentException.class, () -> new Destination("x", 70000));
    }
}
