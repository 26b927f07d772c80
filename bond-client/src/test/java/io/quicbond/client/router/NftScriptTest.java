package io.quicbond.client.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.rules.Cidr;
import io.quicbond.transport.Destination;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class NftScriptTest {
    static ClientConfig.Router router(boolean ipv6, boolean dns) {
        return new ClientConfig.Router(4435, List.of("br-lan", "wlan0"), List.of(Cidr.parse("203.0.113.0/24"),
                Cidr.parse("2001:db8:1::/48")), 0x1151, 4433, ipv6, "qbrtest", dns, new Destination("1.1.1.1", 53));
    }

    @Test
    void scriptReplacesTheTableAndDivertsLanTcpAndUdpOfBothFamilies() throws Exception {
        RouterPlan plan = RouterPlan.of(router(true, true), List.of(InetAddress.getByName("198.51.100.9"),
                InetAddress.getByName("2001:db8::9")));
        assertEquals("""
                # bond-client router up: LAN traffic into the transparent ingress (TPROXY). Removed by 'router down'.
                table inet qbrtest
                delete table inet qbrtest
                table inet qbrtest {
                \tset bypass_v4 {
                \t\ttype ipv4_addr
                \t\tflags interval
                \t\tauto-merge
                \t\telements = { 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, \
                192.168.0.0/16, 224.0.0.0/4, 240.0.0.0/4, 198.51.100.9, 203.0.113.0/24 }
                \t}
                \tset bypass_v6 {
                \t\ttype ipv6_addr
                \t\tflags interval
                \t\tauto-merge
                \t\telements = { ::/127, fc00::/7, fe80::/10, ff00::/8, 2001:db8::9, 2001:db8:1::/48 }
                \t}
                \tchain prerouting {
                \t\ttype filter hook prerouting priority mangle; policy accept;
                \t\tiifname != { "br-lan", "wlan0" } return
                \t\tmeta l4proto { tcp, udp } th dport 53 jump divert
                \t\tfib daddr type local return
                \t\tip daddr @bypass_v4 return
                \t\tip6 daddr @bypass_v6 return
                \t\tmeta l4proto { tcp, udp } jump divert
                \t}
                \tchain divert {
                \t\tmeta nfproto ipv4 meta l4proto tcp tproxy ip to :4435 meta mark set 0x1151 accept
                \t\tmeta nfproto ipv6 meta l4proto tcp tproxy ip6 to :4435 meta mark set 0x1151 accept
                \t\tmeta nfproto ipv4 meta l4proto udp tproxy ip to :4435 meta mark set 0x1151 accept
                \t\tmeta nfproto ipv6 meta l4proto udp tproxy ip6 to :4435 meta mark set 0x1151 accept
                \t}
                }
                """, NftScript.render(plan));
    }

    @Test
    void ipv4OnlyLetsIpv6PassAndNoDnsInterceptKeepsDnsToLocalAddresses() {
        String script = NftScript.render(RouterPlan.of(router(false, false), List.of()));
        assertTrue(script.contains("meta nfproto ipv6 return"));
        assertFalse(script.contains("tproxy ip6"));
        assertFalse(script.contains("bypass_v6"));
        assertFalse(script.contains("dport 53"));
    }

    @Test
    void deleteNamesTheTable() {
        assertEquals("delete table inet qbrtest\n", NftScript.delete("qbrtest"));
    }

    static ClientConfig.Router failClosed(boolean ipv6) {
        ClientConfig.Router r = router(ipv6, true);
        return new ClientConfig.Router(r.tproxyPort(), r.lanInterfaces(), r.bypass(), r.fwmark(), r.routeTable(), r.ipv6(),
                r.nftTable(), r.dnsIntercept(), r.dnsResolver(), null, true);
    }

    @Test
    void failClosedAddsAForwardDropForTheLanBeyondTheBypassSets() {
        String script = NftScript.render(RouterPlan.of(failClosed(false), List.of()));
        assertTrue(script.contains("chain fail_closed {"), script);
        assertTrue(script.contains("type filter hook forward priority filter - 1; policy accept;"), script);
        assertTrue(script.contains("iifname != { \"br-lan\", \"wlan0\" } return"), script);
        assertTrue(script.contains("ip daddr @bypass_v4 return"), script);
        // IPv6 is not diverted here, so it must be dropped beyond its bypass set too: the set is declared anyway.
        assertTrue(script.contains("set bypass_v6 {"), script);
        assertTrue(script.contains("ip6 daddr @bypass_v6 return"), script);
        assertTrue(script.contains("counter drop"), script);
        assertTrue(script.contains("tproxy ip to :4435"), script);
        assertFalse(NftScript.render(RouterPlan.of(router(true, true), List.of())).contains("fail_closed"));
    }

    @Test
    void theFailClosedOnlyTableHasTheDropAndNoDiversion() {
        String script = NftScript.renderFailClosedOnly(RouterPlan.of(failClosed(true), List.of()));
        assertTrue(script.startsWith("# bond-client router down --keep-fail-closed"), script);
        assertTrue(script.contains("delete table inet qbrtest"), script);
        assertTrue(script.contains("chain fail_closed {"), script);
        assertFalse(script.contains("prerouting"), script);
        assertFalse(script.contains("tproxy"), script);
    }
}
