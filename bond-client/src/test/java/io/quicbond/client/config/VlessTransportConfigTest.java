package io.quicbond.client.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VlessTransportConfigTest {

    @Test
    void vlessTransportNeedsNoBondServerUserOrUplinks() throws Exception {
        ClientConfig c = ClientConfig.parse("""
                {"transport": {"type": "vless", "server": "vps.example.net:16384",
                               "uuid": "b831381d-6324-4d53-ad4f-8cda48b30811"},
                 "socks5": {}}""", "client.json");
        assertTrue(c.transport().isVless());
        assertEquals("vps.example.net:16384", c.transport().server().toString());
        assertEquals(UUID.fromString("b831381d-6324-4d53-ad4f-8cda48b30811"), c.transport().uuid());
        assertTrue(c.transport().mptcp());
        assertEquals(Duration.ofSeconds(300), c.transport().udpIdleTimeout());
        assertNull(c.server());
        assertEquals(c, ClientConfig.parse(c.toJson(true), "again"));
    }

    @Test
    void uplinksMayBeListedForTheMptcpHelperAndMptcpTurnedOff() throws Exception {
        ClientConfig c = ClientConfig.parse("""
                {"transport": {"type": "vless", "server": "[2001:db8::1]:16384",
                               "uuid": "b831381d-6324-4d53-ad4f-8cda48b30811", "mptcp": false},
                 "uplinks": [{"name": "lte", "interface": "wwan0"}, {"name": "dsl", "interface": "eth1",
                              "primary": false}],
                 "http": {}}""", "client.json");
        assertFalse(c.transport().mptcp());
        assertEquals(2, c.uplinks().size());
    }

    @Test
    void badVlessSettingsAreNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> ClientConfig.parse("""
                {"transport": {"type": "vless", "uuid": "nope"}, "socks5": {}}""", "client.json"));
        assertTrue(e.getMessage().contains("transport.server"), e.getMessage());
        assertTrue(e.getMessage().contains("transport.uuid"), e.getMessage());
        ConfigException type = assertThrows(ConfigException.class, () -> ClientConfig.parse("""
                {"transport": {"type": "vmess"}, "socks5": {}}""", "client.json"));
        assertTrue(type.getMessage().contains("transport.type"), type.getMessage());
    }

    @Test
    void theBondStillNeedsItsServer() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ClientConfig.parse("{\"socks5\": {}}", "client.json"));
        assertTrue(e.getMessage().contains("server"), e.getMessage());
    }
}
