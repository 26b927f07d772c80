package io.quicbond.client.config;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** Valid configs and their parts, for the config tests. */
public final class ConfigFixtures {
    /** A pin of 32 bytes 0x01..0x20. */
    public static final String PIN;
    /** base64url (no padding) of "correct horse battery staple". */
    public static final String SECRET = Base64.getUrlEncoder().withoutPadding()
            .encodeToString("correct horse battery staple".getBytes(StandardCharsets.UTF_8));

    static {
        byte[] hash = new byte[32];
        for (int i = 0; i < 32; i++) {
            hash[i] = (byte) (i + 1);
        }
        PIN = "sha256/" + Base64.getEncoder().encodeToString(hash);
    }

    private ConfigFixtures() {
    }

    /** The least a config needs: server, user, secret, one uplink, one ingress. */
    public static String minimal() {
        return """
                {
                  "server": { "address": "bond.example.net:443", "pin": "%s" },
                  "user": "alice",
                  "secret": "%s",
                  "uplinks": [ { "name": "wan0" } ],
                  "socks5": {}
                }
                """.formatted(PIN, SECRET);
    }

    /** Every field given. */
    public static String full() {
        return """
                {
                  "server": { "address": "203.0.113.7:4433", "pin": "%s", "server_name": "bond.example.net" },
                  "user": "alice",
                  "secret": "%s",
                  "engine": "kwik",
                  "uplinks": [
                    { "name": "lte0", "bind_address": "10.64.0.2", "interface": "wwan0", "primary": true },
                    { "name": "dsl0", "bind_address": "192.168.1.20", "server": "203.0.113.8:4433", "primary": false },
                    { "name": "sat0", "enabled": false, "weight": 0.5, "max_up_mbit": 2.5, "max_down_mbit": 20,
                      "budget": { "gigabytes": 1.5, "period": "week", "reset_day": 7 } }
                  ],
                  "socks5": { "listen": "0.0.0.0:1080", "username": "u", "password": "p", "handshake_timeout_ms": 5000 },
                  "http": { "listen": "127.0.0.1:3128" },
                  "forwards": [
                    { "protocol": "tcp", "listen": "127.0.0.1:2222", "to": "git.example.org:22" },
                    { "protocol": "udp", "listen": "127.0.0.1:5353", "to": "[2001:db8::53]:53" }
                  ],
                  "policy": {
                    "default": "lowest-latency",
                    "rules": [
                      { "protocol": "udp", "ports": "3478-3481,19302-19309", "policy": "redundant" },
                      { "cidr": ["10.0.0.0/8", "2001:db8::/32"], "domain_suffix": ["example.com"], "policy": "failover" }
                    ]
                  },
                  "status_listen": "[::1]:7072",
                  "bond": { "flow_window_bytes": 1048576, "flow_send_buffer_bytes": 2097152, "open_timeout_s": 10,
                            "udp_idle_timeout_s": 30 }
                }
                """.formatted(PIN, SECRET);
    }
}
