package io.quicbond.client.status;

import io.quicbond.client.uplink.UplinkBudgets;
import io.quicbond.transport.session.ClientStatus;
import io.quicbond.transport.session.SessionStatus;
import java.util.List;

/**
 * What {@code GET /status} answers: {@link io.quicbond.transport.session.BondClient#status()} as it is, plus where
 * the ingresses listen. Written as JSON with snake_case keys:
 * <pre>{@code
 * {
 *   "session": { "session_id": "…", "user": "alice", "tcp_flows": 3, "udp_flows": 1, "reinjected_bytes": 0,
 *                "uplinks": [ { "name": "lte0", "id": 1, "state": "up", "rtt_ms": 41.8, "rtt_var_ms": 3.1,
 *                               "quic_rtt_ms": 40.2, "loss_percent": 0.1, "bytes_sent": 123, "bytes_received": 456,
 *                               "send_rate": 1000.0, "receive_rate": 2000.0, "unacked_bytes": 0,
 *                               "min_rtt_ms": 40.1, "delivery_rate": 4800000.0, "backlog_limit": 645000,
 *                               "pacing_rate": 4750000.0, "cwnd_bytes": 250000 } ] },
 *   "configured": [ { "name": "lte0", "server": "…", "state": "connected", "last_error": null, "connects": 1 } ],
 *   "ingress": { "socks5": "127.0.0.1:1080", "http": "127.0.0.1:8080",
 *                "forwards": [ { "protocol": "tcp", "listen": "127.0.0.1:2222", "to": "host:22" } ],
 *                "status": "127.0.0.1:7071" }
 * }
 * }</pre>
 * {@code session.uplinks} lists the uplinks attached to the session ("up", "suspect", "down"); {@code configured}
 * lists every configured uplink ("connected" or "connecting", with the last error). Rates are bytes per second.
 */
public record StatusDocument(SessionStatus session, List<ClientStatus.ConfiguredUplink> configured, Ingresses ingress,
                             List<UplinkBudgets.Usage> budgets, Vless vless) {

    /**
     * Compat mode: flows go as VLESS to {@code server} ({@code "vless": {"server": "…", "mptcp": true,
     * "connections": 12, "mptcp_connections": 12}}); absent with the bond.
     */
    public record Vless(String server, boolean mptcp, long connections, long mptcpConnections) {
    }

    public StatusDocument(SessionStatus session, List<ClientStatus.ConfiguredUplink> configured, Ingresses ingress,
                          List<UplinkBudgets.Usage> budgets) {
        this(session, configured, ingress, budgets, null);
    }

    /**
     * @param socks5   bound address, null when off
     * @param http     bound address, null when off
     * @param forwards in configuration order
     * @param status   this endpoint's address
     */
    public record Ingresses(String socks5, String http, List<Forward> forwards, String status, Transparent transparent) {
        public Ingresses(String socks5, String http, List<Forward> forwards, String status) {
            this(socks5, http, forwards, status, null);
        }
    }

    /**
     * Router mode's transparent ingress; absent when router mode is off.
     *
     * @param listen       TCP and UDP TPROXY port, e.g. "0.0.0.0:4435" (and [::] with {@code ipv6})
     * @param tcpOpen      TCP connections open; {@code tcpAccepted} since start
     * @param udpOpen      UDP flows open; {@code udpStarted} since start
     * @param dnsListen    router.dns.listen (the local resolver's upstream through the bond); null when off
     * @param dnsResolver  where intercepted DNS goes; "original" = each query's own destination; null = not intercepted
     */
    public record Transparent(String listen, boolean ipv6, int tcpOpen, long tcpAccepted, int udpOpen, long udpStarted,
                              String dnsListen, String dnsResolver) {
    }

    public record Forward(String protocol, String listen, String to) {
    }

    public static StatusDocument of(ClientStatus status, Ingresses ingress, List<UplinkBudgets.Usage> budgets) {
        return new StatusDocument(status.session(), status.configured(), ingress, budgets);
    }

    /** Uplinks attached to the session in state "up". */
    public long uplinksUp() {
        return session == null ? 0 : session.uplinks().stream().filter(u -> "up".equals(u.state())).count();
    }
}
