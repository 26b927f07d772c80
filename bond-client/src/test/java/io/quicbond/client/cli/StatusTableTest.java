package io.quicbond.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

class StatusTableTest {

    @Test
    void mergesConfiguredAndAttachedUplinksIntoOneRowEach() throws Exception {
        String json = """
                {
                  "session": { "session_id": "00ff", "user": "alice", "tcp_flows": 3, "udp_flows": 1,
                               "reinjected_bytes": 2048,
                    "uplinks": [
                      { "name": "lte0", "id": 1, "state": "down", "rtt_ms": 90.0, "loss_percent": 50.0, "bytes_sent": 1,
                        "bytes_received": 1, "send_rate": 0.0, "receive_rate": 0.0, "unacked_bytes": 0 },
                      { "name": "lte0", "id": 3, "state": "up", "rtt_ms": 41.84, "loss_percent": 0.25,
                        "bytes_sent": 1572864, "bytes_received": 47185920, "send_rate": 1000000.0,
                        "receive_rate": 12500.0, "unacked_bytes": 65536 }
                    ] },
                  "configured": [
                    { "name": "lte0", "server": "h:443", "state": "connected", "last_error": null, "connects": 2 },
                    { "name": "dsl0", "server": "h:443", "state": "connecting", "last_error": "timed out", "connects": 0 }
                  ],
                  "ingress": { "socks5": "127.0.0.1:1080", "http": null,
                               "forwards": [ { "protocol": "udp", "listen": "127.0.0.1:5353", "to": "dns:53" } ],
                               "status": "127.0.0.1:7071" }
                }
                """;
        String table = StatusTable.render(JsonMapper.builder().build().readTree(json));
        assertEquals("""
                session 00ff  user alice  flows 3 tcp, 1 udp  reinjected 2.0 KiB
                ingress socks5 127.0.0.1:1080, forward udp 127.0.0.1:5353 -> dns:53

                UPLINK  STATE       RTT ms  LOSS %     SENT     RATE UP  RECEIVED   RATE DOWN   UNACKED  NOTE
                lte0    up            41.8     0.3  1.5 MiB  8.0 Mbit/s  45.0 MiB  100 kbit/s  64.0 KiB
                dsl0    connecting       -       -        -           -         -           -         -  last error: timed out
                """, table);
    }

    @Test
    void routerModeShowsItsTransparentIngressAndDns() throws Exception {
        String json = """
                { "session": { "session_id": "01", "user": "r", "tcp_flows": 0, "udp_flows": 0, "reinjected_bytes": 0,
                               "uplinks": [] },
                  "configured": [],
                  "ingress": { "socks5": null, "http": null, "forwards": [], "status": "127.0.0.1:7071",
                               "transparent": { "listen": "0.0.0.0:4435", "ipv6": true, "tcp_open": 2, "tcp_accepted": 17,
                                                "udp_open": 1, "udp_started": 5, "dns_listen": "127.0.0.1:5353",
                                                "dns_resolver": "1.1.1.1:53" } } }
                """;
        String table = StatusTable.render(JsonMapper.builder().build().readTree(json));
        assertEquals("router  tproxy 0.0.0.0:4435 (+ IPv6)  tcp 2 open / 17 accepted  udp 1 open / 5 started"
                + "  dns -> 1.1.1.1:53, local upstream 127.0.0.1:5353", table.lines().toList().get(1));
    }
}
