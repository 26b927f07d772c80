package io.quicbond.server.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quicbond.transport.session.SessionStatus;
import java.util.List;

/**
 * What {@code GET /status} answers, as JSON with snake_case keys. Byte counts and rates are of flow payload; "sent"
 * is from the server to the client (the download), "received" from the client (the upload). Rates are bytes per
 * second, smoothed over about a second. Immutable.
 *
 * <pre>{@code
 * {
 *   "version": "0.1.0-SNAPSHOT", "protocol": "quicbond/1", "engine": "kwik", "listen": "0.0.0.0:4433",
 *   "started_at": "2025-01-01T12:00:00Z", "uptime_s": 3600, "users": 3, "failed_logins": 0,
 *   "sessions": [ {
 *     "id": "9f2c…", "user": "alice", "tcp_flows": 12, "udp_flows": 1, "reinjected_bytes": 0,
 *     "uplinks": [ { "name": "lte0", "id": 3, "state": "up", "rtt_ms": 41.5, "rtt_var_ms": 3.2,
 *                    "quic_rtt_ms": 40.9, "loss_percent": 0.1, "bytes_sent": 123456, "bytes_received": 7890,
 *                    "send_bytes_per_s": 250000.0, "receive_bytes_per_s": 12000.0, "unacked_bytes": 0,
 *                    "min_rtt_ms": 40.1, "delivery_rate": 4800000.0, "backlog_limit": 645000,
 *                    "pacing_rate": 4750000.0, "cwnd_bytes": 250000 } ]
 *   } ]
 * }
 * }</pre>
 *
 * @param version      the server's version ({@code "dev"} when run from classes rather than a jar)
 * @param protocol     the bond protocol's ALPN
 * @param listen       the bond listener's bound address
 * @param startedAt    ISO-8601 instant the server started
 * @param uptimeS      whole seconds since then
 * @param users        users in the users file
 * @param failedLogins logins refused since start (wrong secret, unknown user, throttled)
 * @param vless        compat-mode VLESS listeners ({@code "vless": [{"listen": "0.0.0.0:16384", "mptcp": true,
 *                     "connections": 1, "connections_total": 5, "rejected": 0, "bytes_up": 1234,
 *                     "bytes_down": 56789}]})
 */
public record StatusReport(String version, String protocol, String engine, String listen, String startedAt,
                           long uptimeS, int users, long failedLogins, List<Session> sessions,
                           List<io.quicbond.server.compat.VlessListenerStatus> vless) {

    private static final ObjectMapper JSON = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            // Newer servers may add keys; an older `status` command shows what it knows.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public StatusReport {
        sessions = sessions == null ? List.of() : List.copyOf(sessions);
        vless = vless == null ? List.of() : List.copyOf(vless);
    }

    /** Without VLESS listeners. */
    public StatusReport(String version, String protocol, String engine, String listen, String startedAt,
                        long uptimeS, int users, long failedLogins, List<Session> sessions) {
        this(version, protocol, engine, listen, startedAt, uptimeS, users, failedLogins, sessions, List.of());
    }

    /**
     * One client instance's session.
     *
     * @param id              the session id (hex)
     * @param reinjectedBytes bytes re-sent on another uplink after theirs went silent or died
     */
    public record Session(String id, String user, int tcpFlows, int udpFlows, long reinjectedBytes,
                          List<Uplink> uplinks) {
        public Session {
            uplinks = uplinks == null ? List.of() : List.copyOf(uplinks);
        }

        static Session of(SessionStatus s) {
            return new Session(s.sessionId(), s.user(), s.tcpFlows(), s.udpFlows(), s.reinjectedBytes(),
                    s.uplinks().stream().map(Uplink::of).toList());
        }
    }

    /**
     * One uplink (QUIC connection) of a session.
     *
     * @param state       "up", "suspect" (silent: no new data goes to it) or "down"
     * @param rttMs       the bond's smoothed round-trip time over this uplink
     * @param quicRttMs   the QUIC stack's own smoothed RTT
     * @param lossPercent QUIC packets declared lost / sent
     * @param unackedBytes flow bytes sent on it and not yet reported received
     * @param minRttMs    the lowest probe RTT of the last 10 s or so
     * @param deliveryRate what the uplink delivers toward the client, bytes per second (0 = not known yet)
     * @param backlogLimit sent-but-not-received bytes above which the uplink takes no new chunks
     * @param pacingRate  the rate this end paces its sends on the uplink at, bytes per second (0 = unpaced)
     */
    public record Uplink(String name, int id, String state, double rttMs, double rttVarMs, double quicRttMs,
                         double lossPercent, long bytesSent, long bytesReceived, double sendBytesPerS,
                         double receiveBytesPerS, long unackedBytes, double minRttMs, double deliveryRate,
                         long backlogLimit, double pacingRate) {
        static Uplink of(SessionStatus.UplinkStatus u) {
            return new Uplink(u.name(), u.id(), u.state(), u.rttMs(), u.rttVarMs(), u.quicRttMs(), u.lossPercent(),
                    u.bytesSent(), u.bytesReceived(), u.sendRate(), u.receiveRate(), u.unackedBytes(), u.minRttMs(),
                    u.deliveryRate(), u.backlogLimit(), u.pacingRate());
        }
    }

    /** Builds the session list from the bond server's snapshots. */
    public static List<Session> sessionsOf(List<SessionStatus> sessions) {
        return sessions.stream().map(Session::of).toList();
    }

    /** This report as indented JSON. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a status report", e);
        }
    }

    /**
     * Reads a report written by {@link #toJson} (unknown keys are ignored).
     *
     * @throws JsonProcessingException if the text is not such a report
     */
    public static StatusReport parse(String json) throws JsonProcessingException {
        return JSON.readValue(json, StatusReport.class);
    }
}
