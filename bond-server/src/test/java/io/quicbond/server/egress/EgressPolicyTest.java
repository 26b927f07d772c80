package io.quicbond.server.egress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.net.IpLiterals;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EgressPolicyTest {

    /** Every literal below is parsed by our own parser and built from bytes, so no test here touches DNS. */
    private static InetAddress address(String literal) {
        return IpLiterals.toInetAddress(IpLiterals.parse(literal));
    }

    /** An IPv4-mapped address kept in its IPv6 form, as a resolver or dual-stack socket may hand it over. */
    private static InetAddress mappedV6(String v4) throws Exception {
        byte[] bytes = new byte[16];
        bytes[10] = (byte) 0xff;
        bytes[11] = (byte) 0xff;
        System.arraycopy(IpLiterals.parse(v4), 0, bytes, 12, 4);
        return Inet6Address.getByAddress(null, bytes, -1);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            // IPv4, denied by default
            "0.0.0.0,          built-in unspecified 0.0.0.0/8",
            "0.1.2.3,          built-in unspecified 0.0.0.0/8",
            "127.0.0.1,        built-in loopback 127.0.0.0/8",
            "127.255.255.254,  built-in loopback 127.0.0.0/8",
            "10.0.0.1,         built-in private 10.0.0.0/8",
            "172.16.0.1,       built-in private 172.16.0.0/12",
            "172.31.255.255,   built-in private 172.16.0.0/12",
            "192.168.1.1,      built-in private 192.168.0.0/16",
            "100.64.0.1,       built-in carrier-grade NAT 100.64.0.0/10",
            "100.127.255.255,  built-in carrier-grade NAT 100.64.0.0/10",
            "169.254.1.1,      built-in link-local 169.254.0.0/16",
            "169.254.169.254,  built-in cloud metadata 169.254.169.254/32",
            "169.254.170.2,    built-in cloud metadata 169.254.170.2/32",
            "100.100.100.200,  built-in cloud metadata 100.100.100.200/32",
            "168.63.129.16,    built-in cloud metadata 168.63.129.16/32",
            "198.18.0.1,       built-in benchmarking 198.18.0.0/15",
            "224.0.0.1,        built-in multicast 224.0.0.0/4",
            "239.255.255.250,  built-in multicast 224.0.0.0/4",
            "240.0.0.1,        built-in reserved 240.0.0.0/4",
            "255.255.255.255,  built-in broadcast 255.255.255.255/32",
            // IPv6, denied by default
            "::,               built-in unspecified ::/128",
            "::1,              built-in loopback ::1/128",
            "::127.0.0.1,      built-in IPv4-compatible ::/96",
            "fc00::1,          built-in unique local fc00::/7",
            "fd12:3456::1,     built-in unique local fc00::/7",
            "fd00:ec2::254,    built-in cloud metadata fd00:ec2::254/128",
            "fe80::1,          built-in link-local fe80::/10",
            "febf:ffff::1,     built-in link-local fe80::/10",
            "fec0::1,          built-in site-local fec0::/10",
            "ff02::1,          built-in multicast ff00::/8",
            "2001:db8::1,      built-in documentation 2001:db8::/32",
            "100::1,           built-in discard 100::/64",
            "64:ff9b:1::1,     built-in local-use NAT64 64:ff9b:1::/48",
            // IPv4 hidden in IPv6
            "::ffff:127.0.0.1,         built-in loopback 127.0.0.0/8",
            "::ffff:169.254.169.254,   built-in cloud metadata 169.254.169.254/32",
            "::ffff:10.1.2.3,          built-in private 10.0.0.0/8",
            "64:ff9b::127.0.0.1,       embedded IPv4 127.0.0.1: built-in loopback 127.0.0.0/8",
            "64:ff9b::a9fe:a9fe,       embedded IPv4 169.254.169.254: built-in cloud metadata 169.254.169.254/32",
            "2002:c0a8:101::1,         embedded IPv4 192.168.1.1: built-in private 192.168.0.0/16",
    })
    void deniesNonPublicAddressesByDefault(String literal, String rule) {
        EgressPolicy.Decision decision = EgressPolicy.defaults().check(address(literal), 443);
        assertEquals(new EgressPolicy.Decision(false, rule), decision);
    }

    @ParameterizedTest
    @CsvSource({
            "1.1.1.1", "8.8.8.8", "9.9.9.9", "172.15.255.255", "172.32.0.0", "100.63.255.255", "100.128.0.0",
            "169.253.255.255", "192.167.255.255", "198.20.0.0", "223.255.255.255", "203.0.113.7",
            "2606:4700:4700::1111", "2001:4860:4860::8888", "64:ff9b::808:808", "2002:808:808::1", "fbff::1",
    })
    void allowsPublicAddressesByDefault(String literal) {
        assertEquals(new EgressPolicy.Decision(true, "public address"), EgressPolicy.defaults().check(address(literal), 443));
    }

    @Test
    void ipv4MappedAddressesKeptInIpv6FormAreJudgedAsIpv4() throws Exception {
        EgressPolicy policy = EgressPolicy.defaults();
        assertEquals(new EgressPolicy.Decision(false, "built-in loopback 127.0.0.0/8"), policy.check(mappedV6("127.0.0.1"), 80));
        assertEquals(new EgressPolicy.Decision(false, "built-in cloud metadata 169.254.169.254/32"),
                policy.check(mappedV6("169.254.169.254"), 80));
        assertEquals(new EgressPolicy.Decision(false, "built-in private 192.168.0.0/16"), policy.check(mappedV6("192.168.0.1"), 80));
        assertTrue(policy.check(mappedV6("8.8.8.8"), 53).allowed());
        // The JDK's own parser turns the text form into an Inet4Address: judged the same way.
        assertFalse(policy.check(InetAddress.getByName("::ffff:127.0.0.1"), 80).allowed());
    }

    @Test
    void allowRulesOpenBuiltInRangesThatAreNoMoreSpecific() {
        EgressPolicy policy = EgressPolicy.parse(List.of("127.0.0.0/8", "10.1.0.0/16", "fd00::/8"), List.of(), List.of());
        assertEquals(new EgressPolicy.Decision(true, "allow 127.0.0.0/8 over built-in loopback 127.0.0.0/8"),
                policy.check(address("127.0.0.1"), 80));
        assertTrue(policy.check(address("::ffff:127.0.0.1"), 80).allowed(), "mapped loopback follows IPv4 loopback");
        assertTrue(policy.check(address("10.1.2.3"), 80).allowed());
        assertFalse(policy.check(address("10.2.0.1"), 80).allowed(), "the rest of 10/8 stays closed");
        assertTrue(policy.check(address("fd12::1"), 80).allowed());
        assertFalse(policy.check(address("fc00::1"), 80).allowed());
        assertFalse(policy.check(address("::1"), 80).allowed(), "IPv6 loopback is a rule of its own");
    }

    @Test
    void metadataStaysClosedWhenTheRangeAroundItIsAllowed() {
        EgressPolicy policy = EgressPolicy.parse(
                List.of("169.254.0.0/16", "100.64.0.0/10", "fd00::/8", "0.0.0.0/0"), List.of(), List.of());
        assertTrue(policy.check(address("169.254.1.1"), 80).allowed());
        assertEquals(new EgressPolicy.Decision(false, "built-in cloud metadata 169.254.169.254/32"),
                policy.check(address("169.254.169.254"), 80));
        assertFalse(policy.check(address("100.100.100.200"), 80).allowed());
        assertTrue(policy.check(address("100.100.100.201"), 80).allowed());
        assertFalse(policy.check(address("fd00:ec2::254"), 80).allowed());
        assertFalse(policy.check(address("127.0.0.1"), 80).allowed(), "0.0.0.0/0 is less specific than loopback");

        EgressPolicy explicit = EgressPolicy.parse(List.of("169.254.169.254/32"), List.of(), List.of());
        assertTrue(explicit.check(address("169.254.169.254"), 80).allowed(), "an operator can still open it on purpose");
    }

    @Test
    void denyRulesWinOverEverything() {
        EgressPolicy policy = EgressPolicy.parse(List.of("127.0.0.0/8", "203.0.113.0/24"),
                List.of("203.0.113.0/25", "2606:4700::/32", "127.0.0.2/32"), List.of());
        assertEquals(new EgressPolicy.Decision(false, "deny 203.0.113.0/25"), policy.check(address("203.0.113.1"), 80));
        assertTrue(policy.check(address("203.0.113.200"), 80).allowed());
        assertFalse(policy.check(address("2606:4700::1111"), 80).allowed());
        assertFalse(policy.check(address("127.0.0.2"), 80).allowed());
        assertTrue(policy.check(address("127.0.0.1"), 80).allowed());
        assertFalse(policy.check(address("64:ff9b::cb00:7101"), 80).allowed(), "NAT64 of a denied IPv4 address");
    }

    @Test
    void deniedPortsAreDeniedEverywhere() {
        EgressPolicy policy = EgressPolicy.parse(List.of("127.0.0.0/8"), List.of(), List.of(25, 465));
        assertEquals(new EgressPolicy.Decision(false, "deny_ports 25"), policy.check(address("8.8.8.8"), 25));
        assertFalse(policy.check(address("127.0.0.1"), 465).allowed());
        assertTrue(policy.check(address("8.8.8.8"), 587).allowed());
        assertEquals(java.util.Set.of(25, 465), policy.denyPorts());
    }

    @Test
    void badConfigurationIsRejectedWithTheFieldName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EgressPolicy.parse(List.of("10.0.0.0/8", "nonsense"), List.of(), List.of()));
        assertTrue(e.getMessage().startsWith("allow: bad CIDR 'nonsense'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> EgressPolicy.parse(List.of(), List.of("1.2.3.4/8"), List.of()));
        assertTrue(e.getMessage().startsWith("deny: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> EgressPolicy.parse(List.of(), List.of(), List.of(0)));
        assertThrows(IllegalArgumentException.class, () -> EgressPolicy.parse(List.of(), List.of(), List.of(65536)));
    }
}
