package io.quicbond.server.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * The on-disk form of {@code server.json}, as Jackson reads it: every field nullable (absent). Only
 * {@link ConfigReader} uses these; {@link #withDefaults()} is the one step that fills defaults.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"listen", "public_address", "engine", "certificate", "private_key", "users_file", "server_name",
        "status_listen", "status_public", "egress", "bond", "login_failures_per_minute", "vless"})
record ServerConfigJson(String listen, String publicAddress, String engine, String certificate, String privateKey,
                        String usersFile, String serverName, String statusListen, Boolean statusPublic,
                        EgressJson egress, BondJson bond, Integer loginFailuresPerMinute, VlessJson vless) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"listeners", "header_timeout_ms", "udp_idle_timeout_s"})
    record VlessJson(List<VlessListenerJson> listeners, Long headerTimeoutMs, Long udpIdleTimeoutS) {

        VlessJson withDefaults() {
            return new VlessJson(listeners == null ? List.of()
                    : listeners.stream().map(l -> l == null ? null : l.withDefaults()).toList(),
                    or(headerTimeoutMs, ServerConfig.Vless.DEFAULT_HEADER_TIMEOUT_MS),
                    or(udpIdleTimeoutS, ServerConfig.Vless.DEFAULT_UDP_IDLE_TIMEOUT_S));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"listen", "users", "mptcp"})
    record VlessListenerJson(String listen, List<String> users, Boolean mptcp) {
        VlessListenerJson withDefaults() {
            return new VlessListenerJson(listen, or(users, List.of()), or(mptcp, true));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"allow", "deny", "deny_ports", "connect_timeout_ms"})
    record EgressJson(List<String> allow, List<String> deny, List<Integer> denyPorts, Long connectTimeoutMs) {

        EgressJson withDefaults() {
            return new EgressJson(or(allow, List.of()), or(deny, List.of()), or(denyPorts, List.of()),
                    or(connectTimeoutMs, ServerConfig.Egress.DEFAULT_CONNECT_TIMEOUT_MS));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonPropertyOrder({"flow_window_bytes", "flow_send_buffer_bytes", "max_flows_per_session", "udp_idle_timeout_s",
            "session_grace_s", "idle_timeout_s", "max_udp_payload"})
    record BondJson(Long flowWindowBytes, Long flowSendBufferBytes, Integer maxFlowsPerSession,
                    Long udpIdleTimeoutS, Long sessionGraceS, Long idleTimeoutS, Integer maxUdpPayload) {

        BondJson withDefaults() {
            return new BondJson(or(flowWindowBytes, ServerConfig.Bond.DEFAULT_FLOW_WINDOW_BYTES),
                    or(flowSendBufferBytes, ServerConfig.Bond.DEFAULT_FLOW_SEND_BUFFER_BYTES),
                    or(maxFlowsPerSession, ServerConfig.Bond.DEFAULT_MAX_FLOWS_PER_SESSION),
                    or(udpIdleTimeoutS, (long) ServerConfig.Bond.DEFAULT_UDP_IDLE_TIMEOUT_S),
                    or(sessionGraceS, (long) ServerConfig.Bond.DEFAULT_SESSION_GRACE_S),
                    or(idleTimeoutS, (long) ServerConfig.Bond.DEFAULT_IDLE_TIMEOUT_S),
                    or(maxUdpPayload, ServerConfig.Bond.DEFAULT_MAX_UDP_PAYLOAD));
        }
    }

    /**
     * Every absent value replaced by its default. {@code public_address} defaults to {@code listen} when that is a
     * valid address other than a wildcard, and otherwise stays absent (validation reports a bad {@code listen}).
     */
    ServerConfigJson withDefaults() {
        String filledListen = or(listen, ServerConfig.DEFAULT_LISTEN);
        String filledPublic = publicAddress;
        if (filledPublic == null) {
            try {
                HostPort parsed = HostPort.parse(filledListen);
                filledPublic = parsed.isWildcard() ? null : parsed.toString();
            } catch (IllegalArgumentException e) {
                filledPublic = null;
            }
        }
        return new ServerConfigJson(filledListen, filledPublic, or(engine, ServerConfig.DEFAULT_ENGINE),
                or(certificate, ServerConfig.DEFAULT_CERTIFICATE), or(privateKey, ServerConfig.DEFAULT_PRIVATE_KEY),
                or(usersFile, ServerConfig.DEFAULT_USERS_FILE), or(serverName, ServerConfig.DEFAULT_SERVER_NAME),
                or(statusListen, ServerConfig.DEFAULT_STATUS_LISTEN), or(statusPublic, false),
                or(egress, new EgressJson(null, null, null, null)).withDefaults(),
                or(bond, new BondJson(null, null, null, null, null, null, null)).withDefaults(),
                or(loginFailuresPerMinute, ServerConfig.DEFAULT_LOGIN_FAILURES_PER_MINUTE),
                or(vless, new VlessJson(null, null, null)).withDefaults());
    }

    private static <T> T or(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
