package io.quicbond.server.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VlessConfigTest {

    @Test
    void noVlessKeyMeansNoListeners() throws Exception {
        ServerConfig config = ServerConfig.parse("{}", "server.json");
        assertEquals(List.of(), config.vless().listeners());
        assertEquals(Duration.ofSeconds(10), config.vless().headerTimeout());
        assertEquals(Duration.ofSeconds(300), config.vless().udpIdleTimeout());
    }

    @Test
    void sharedPortAndOnePortPerUserAreBothExpressible() throws Exception {
        ServerConfig config = ServerConfig.parse("""
                {"vless": {"listeners": [
                   {"listen": "0.0.0.0:443"},
                   {"listen": "0.0.0.0:16384", "users": ["alice"], "mptcp": false},
                   {"listen": "0.0.0.0:16385", "users": ["b831381d-6324-4d53-ad4f-8cda48b30811"]}],
                 "header_timeout_ms": 5000}}""", "server.json");
        List<ServerConfig.VlessListener> l = config.vless().listeners();
        assertEquals(3, l.size());
        assertEquals(List.of(), l.get(0).users());
        assertTrue(l.get(0).mptcp());
        assertEquals(List.of("alice"), l.get(1).users());
        assertEquals(false, l.get(1).mptcp());
        assertEquals(Duration.ofSeconds(5), config.vless().headerTimeout());
        assertEquals(config, ServerConfig.parse(config.toJson(), "again"));
    }

    @Test
    void badListenersAreNamed() {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> ServerConfig.parse("{\"vless\": {\"listeners\": [{\"users\": []}]}}", "server.json"));
        assertTrue(missing.getMessage().contains("vless.listeners[0].listen"), missing.getMessage());
        ConfigException badUser = assertThrows(ConfigException.class, () -> ServerConfig.parse(
                "{\"vless\": {\"listeners\": [{\"listen\": \"0.0.0.0:1\", \"users\": [\"a b\"]}]}}", "server.json"));
        assertTrue(badUser.getMessage().contains("vless.listeners[0].users"), badUser.getMessage());
        ConfigException twice = assertThrows(ConfigException.class, () -> ServerConfig.parse(
                "{\"vless\": {\"listeners\": [{\"listen\": \"0.0.0.0:1\"}, {\"listen\": \"0.0.0.0:1\"}]}}", "s"));
        assertTrue(twice.getMessage().contains("used by another listener"), twice.getMessage());
    }
}
