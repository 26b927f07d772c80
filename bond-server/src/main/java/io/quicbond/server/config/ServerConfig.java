package io.quicbond.server.config;

import io.quicbond.server.egress.Cidr;
import io.quicbond.server.egress.EgressPolicy;
import io.quicbond.server.users.LoginThrottle;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.session.BondSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The bond server's configuration, normally read from {@code server.json} by {@link #load}. Immutable; every
 * record checks its values on construction ({@link IllegalArgumentException} with a message {@code "key: reason"}),
 * and the loader adds the file name ({@link ConfigException}).
 *
 * <p>The file, every key optional, snake_case, unknown keys rejected (defaults shown):
 *
 * <pre>{@code
 * {
 *   "listen": "0.0.0.0:4433",
 *   "public_address": "vpn.example.com",      (default: the listen host, unless it is 0.0.0.0 or ::)
 *   "engine": "quiche",
 *   "certificate": "cert.pem",
 *   "private_key": "key.pem",
 *   "users_file": "users.json",
 *   "server_name": "quicbond",
 *   "status_listen": "127.0.0.1:7081",
 *   "status_public": false,
 *   "egress": { "allow": [], "deny": [], "deny_ports": [], "connect_timeout_ms": 10000 },
 *   "bond": { "flow_window_bytes": 16777216, "flow_send_buffer_bytes": 16777216, "max_flows_per_session": 4096,
 *             "udp_idle_timeout_s": 60, "session_grace_s": 60, "idle_timeout_s": 30, "max_udp_payload": 1350 },
 *   "login_failures_per_minute": 20,
 *   "vless": { "listeners": [ { "listen": "0.0.0.0:16384", "users": [], "mptcp": true } ],
 *              "header_timeout_ms": 10000, "udp_idle_timeout_s": 300 }
 * }
 * }</pre>
 *
 * A key set to {@code null} takes its default.
 *
 * @param listen                  UDP address of the bond (QUIC) listener; default {@value #DEFAULT_LISTEN}. Port 0
 *                                picks a free port (tests).
 * @param publicAddress           host (and port) clients connect to, used in share links and client configs; may
 *                                be written {@code host}, {@code host:port}, a bare IPv6 address or
 *                                {@code [IPv6]:port}; the port defaults to the listen port. Default: the listen
 *                                host when it is not a wildcard, otherwise empty (then no share link can be
 *                                made). A port of 0 means the port the listener actually bound.
 * @param engine                  the QUIC implementation; {@value #DEFAULT_ENGINE}, the only one so far
 * @param certificate             PEM certificate chain, leaf first; relative paths are resolved against the config
 *                                file's directory; default {@value #DEFAULT_CERTIFICATE}
 * @param privateKey              PEM private key of the certificate; relative to the config file's directory;
 *                                default {@value #DEFAULT_PRIVATE_KEY}
 * @param usersFile               the users and their hashed secrets ({@link UserStore}); relative to the config
 *                                file's directory; default {@value #DEFAULT_USERS_FILE}. Re-read while running when
 *                                it changes.
 * @param serverName              the TLS name: in the certificate and sent by clients as SNI; a DNS name, default
 *                                {@value #DEFAULT_SERVER_NAME}
 * @param statusListen            TCP address of the local admin HTTP endpoint ({@code /status}, {@code /health});
 *                                default {@value #DEFAULT_STATUS_LISTEN}; must be loopback unless
 *                                {@code statusPublic}. Port 0 picks a free port.
 * @param statusPublic            allows a non-loopback {@code statusListen}; default false (the endpoint has no
 *                                authentication)
 * @param egress                  what the server may connect to for its users; see {@link Egress}
 * @param bond                    tunables of the bond; see {@link Bond}
 * @param loginFailuresPerMinute  failed logins allowed per source address (IPv4, or IPv6 /64) per minute before it is
 *                                refused without a check ({@link LoginThrottle}); 1..1000000, default
 *                                {@value #DEFAULT_LOGIN_FAILURES_PER_MINUTE}
 * @param vless                   compat-mode VLESS listeners (BSBF/xray/v2ray clients); default none; see {@link Vless}
 */
public record ServerConfig(HostPort listen, Optional<HostPort> publicAddress, String engine, Path certificate,
                           Path privateKey, Path usersFile, String serverName, HostPort statusListen,
                           boolean statusPublic, Egress egress, Bond bond, int loginFailuresPerMinute,
                           Vless vless) {

    public static final String DEFAULT_LISTEN = "0.0.0.0:4433";
    public static final String DEFAULT_ENGINE = io.quicbond.transport.engine.QuicEngines.DEFAULT;
    /** The engines {@link #engine} may name. */
    public static final Set<String> ENGINES = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(io.quicbond.transport.engine.QuicEngines.NAMES));
    public static final String DEFAULT_CERTIFICATE = "cert.pem";
    public static final String DEFAULT_PRIVATE_KEY = "key.pem";
    public static final String DEFAULT_USERS_FILE = "users.json";
    public static final String DEFAULT_SERVER_NAME = "quicbond";
    public static final String DEFAULT_STATUS_LISTEN = "127.0.0.1:7081";
    public static final int DEFAULT_LOGIN_FAILURES_PER_MINUTE = 20;
    /** The conventional file name of the configuration. */
    public static final String FILE_NAME = "server.json";

    public ServerConfig {
        FieldException.check(listen != null, "listen", "is missing");
        FieldException.check(publicAddress != null, "public_address", "is missing (use Optional.empty())");
        FieldException.check(engine != null && ENGINES.contains(engine), "engine",
                "unknown engine " + HostPort.quote(engine) + ", expected one of " + String.join(", ", ENGINES));
        FieldException.check(certificate != null, "certificate", "is missing");
        FieldException.check(privateKey != null, "private_key", "is missing");
        FieldException.check(usersFile != null, "users_file", "is missing");
        FieldException.check(serverName != null && isDnsName(serverName), "server_name",
                "must be a DNS name (it goes into the certificate and the clients' SNI), got "
                        + HostPort.quote(serverName));
        FieldException.check(statusListen != null, "status_listen", "is missing");
        FieldException.check(statusPublic || statusListen.isLoopback(), "status_listen",
                "must be a loopback address (127.0.0.1, ::1 or localhost) unless status_public is true, got "
                        + HostPort.quote(statusListen.toString()));
        FieldException.check(egress != null, "egress", "is missing");
        FieldException.check(bond != null, "bond", "is missing");
        FieldException.range("login_failures_per_minute", loginFailuresPerMinute, 1, 1_000_000);
        FieldException.check(vless != null, "vless", "is missing");
    }

    /** Without VLESS listeners. */
    public ServerConfig(HostPort listen, Optional<HostPort> publicAddress, String engine, Path certificate,
                        Path privateKey, Path usersFile, String serverName, HostPort statusListen,
                        boolean statusPublic, Egress egress, Bond bond, int loginFailuresPerMinute) {
        this(listen, publicAddress, engine, certificate, privateKey, usersFile, serverName, statusListen,
                statusPublic, egress, bond, loginFailuresPerMinute, Vless.defaults());
    }

    /**
     * Every default: what an empty {@code {}} file gives. Listens on {@value #DEFAULT_LISTEN}, so it has no public
     * address.
     */
    public static ServerConfig defaults() {
        return new ServerConfig(HostPort.parse(DEFAULT_LISTEN), Optional.empty(), DEFAULT_ENGINE,
                Path.of(DEFAULT_CERTIFICATE), Path.of(DEFAULT_PRIVATE_KEY), Path.of(DEFAULT_USERS_FILE),
                DEFAULT_SERVER_NAME, HostPort.parse(DEFAULT_STATUS_LISTEN), false, Egress.defaults(), Bond.defaults(),
                DEFAULT_LOGIN_FAILURES_PER_MINUTE, Vless.defaults());
    }

    /**
     * Reads, fills defaults and validates {@code file}. Nothing is looked up in DNS and no other file is read.
     *
     * @throws ConfigException naming the file, the key and what is wrong, for a missing or unreadable file,
     *                         invalid JSON, unknown keys, wrong types and values out of range
     */
    public static ServerConfig load(Path file) throws ConfigException {
        return ConfigReader.load(file);
    }

    /**
     * Parses configuration text (as {@link #load} does a file).
     *
     * @param source named in error messages, e.g. {@code "server.json"}
     * @throws ConfigException as for {@link #load}
     */
    public static ServerConfig parse(String json, String source) throws ConfigException {
        return ConfigReader.parse(json, source);
    }

    /** This configuration as {@code server.json} text (every key written out); {@link #parse} reads it back. */
    public String toJson() {
        return ConfigReader.write(this);
    }

    /** The certificate file, resolved against the config file's directory. */
    public Path certificateFile(Path configDir) {
        return configDir.resolve(certificate);
    }

    /** The private key file, resolved against the config file's directory. */
    public Path privateKeyFile(Path configDir) {
        return configDir.resolve(privateKey);
    }

    /** The users file, resolved against the config file's directory. */
    public Path usersFilePath(Path configDir) {
        return configDir.resolve(usersFile);
    }

    public ServerConfig withListen(HostPort value) {
        return new ServerConfig(value, publicAddress, engine, certificate, privateKey, usersFile, serverName,
                statusListen, statusPublic, egress, bond, loginFailuresPerMinute, vless);
    }

    public ServerConfig withPublicAddress(Optional<HostPort> value) {
        return new ServerConfig(listen, value, engine, certificate, privateKey, usersFile, serverName, statusListen,
                statusPublic, egress, bond, loginFailuresPerMinute, vless);
    }

    public ServerConfig withStatusListen(HostPort value, boolean isPublic) {
        return new ServerConfig(listen, publicAddress, engine, certificate, privateKey, usersFile, serverName, value,
                isPublic, egress, bond, loginFailuresPerMinute, vless);
    }

    public ServerConfig withEgress(Egress value) {
        return new ServerConfig(listen, publicAddress, engine, certificate, privateKey, usersFile, serverName,
                statusListen, statusPublic, value, bond, loginFailuresPerMinute, vless);
    }

    public ServerConfig withBond(Bond value) {
        return new ServerConfig(listen, publicAddress, engine, certificate, privateKey, usersFile, serverName,
                statusListen, statusPublic, egress, value, loginFailuresPerMinute, vless);
    }

    public ServerConfig withVless(Vless value) {
        return new ServerConfig(listen, publicAddress, engine, certificate, privateKey, usersFile, serverName,
                statusListen, statusPublic, egress, bond, loginFailuresPerMinute, value);
    }

    static boolean isDnsName(String name) {
        return HostPort.isValidHost(name) && name.indexOf(':') < 0 && !Character.isDigit(name.charAt(name.length() - 1));
    }

    /**
     * Egress policy ({@link EgressPolicy}): the built-in rules deny loopback, private, link-local and metadata
     * addresses; these lists adjust them.
     *
     * @param allow          networks to open despite a built-in rule (when at least as specific); default none
     * @param deny           networks to close as well; they win over {@code allow}; default none
     * @param denyPorts      destination ports refused whatever the address, each 1..65535; default none
     * @param connectTimeout for each address tried; JSON {@code connect_timeout_ms}, 1..600000, default 10000
     */
    public record Egress(List<Cidr> allow, List<Cidr> deny, List<Integer> denyPorts, Duration connectTimeout) {

        public static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

        public Egress {
            FieldException.check(allow != null && allow.stream().noneMatch(Objects::isNull), "egress.allow", "must be a list of CIDRs");
            FieldException.check(deny != null && deny.stream().noneMatch(Objects::isNull), "egress.deny", "must be a list of CIDRs");
            FieldException.check(denyPorts != null, "egress.deny_ports", "must be a list of ports");
            for (int i = 0; i < denyPorts.size(); i++) {
                Integer port = denyPorts.get(i);
                FieldException.check(port != null && port >= 1 && port <= 65535, "egress.deny_ports[" + i + "]",
                        "must be a port 1..65535, got " + port);
            }
            FieldException.check(connectTimeout != null, "egress.connect_timeout_ms", "is missing");
            FieldException.range("egress.connect_timeout_ms", connectTimeout.toMillis(), 1, 600_000);
            allow = List.copyOf(allow);
            deny = List.copyOf(deny);
            denyPorts = List.copyOf(denyPorts);
        }

        /** No allow, deny or port rules; 10 s connect timeout. */
        public static Egress defaults() {
            return new Egress(List.of(), List.of(), List.of(), Duration.ofMillis(DEFAULT_CONNECT_TIMEOUT_MS));
        }

        public EgressPolicy toPolicy() {
            return new EgressPolicy(allow, deny, denyPorts);
        }
    }

    /**
     * Tunables of the bond, mapped onto {@link BondSettings} by {@link #toSettings()} (the other settings keep
     * {@link BondSettings#defaults()}). Durations are whole seconds in JSON.
     *
     * @param flowWindowBytes      bytes a flow's receiver buffers; 65536..1073741824, default 16777216 (16 MiB)
     * @param flowSendBufferBytes  unacknowledged bytes a flow's sender keeps; 65536..1073741824, default 16777216
     * @param maxFlowsPerSession   flows open at once per session (a user's own limit may be lower); 1..1000000,
     *                             default 4096
     * @param udpIdleTimeout       a UDP flow silent this long is closed; {@code udp_idle_timeout_s}, 1..86400,
     *                             default 60
     * @param sessionGrace         a session with no uplink is kept this long; {@code session_grace_s}, 0..86400,
     *                             default 60
     * @param idleTimeout          QUIC idle timeout of each uplink connection; {@code idle_timeout_s}, 1..3600,
     *                             default 30
     * @param maxUdpPayload        largest UDP payload sent to a client (quiche engine); each uplink still gets no
     *                             more than its client asks for (the client's {@code max_udp_payload}, 1350 unless
     *                             set there); {@code max_udp_payload}, 1200..8972, default 1350
     */
    public record Bond(long flowWindowBytes, long flowSendBufferBytes, int maxFlowsPerSession,
                       Duration udpIdleTimeout, Duration sessionGrace, Duration idleTimeout, int maxUdpPayload) {

        public static final long DEFAULT_FLOW_WINDOW_BYTES = 16 << 20;
        public static final long DEFAULT_FLOW_SEND_BUFFER_BYTES = 16 << 20;
        public static final int DEFAULT_MAX_FLOWS_PER_SESSION = 4096;
        public static final int DEFAULT_UDP_IDLE_TIMEOUT_S = 60;
        public static final int DEFAULT_SESSION_GRACE_S = 60;
        public static final int DEFAULT_IDLE_TIMEOUT_S = 30;
        public static final int DEFAULT_MAX_UDP_PAYLOAD =
                io.quicbond.transport.engine.quiche.QuicheEngine.DEFAULT_UDP_PAYLOAD;

        public Bond {
            FieldException.range("bond.flow_window_bytes", flowWindowBytes, 65_536, 1 << 30);
            FieldException.range("bond.flow_send_buffer_bytes", flowSendBufferBytes, 65_536, 1 << 30);
            FieldException.range("bond.max_flows_per_session", maxFlowsPerSession, 1, 1_000_000);
            FieldException.check(udpIdleTimeout != null, "bond.udp_idle_timeout_s", "is missing");
            FieldException.range("bond.udp_idle_timeout_s", udpIdleTimeout.toSeconds(), 1, 86_400);
            FieldException.check(sessionGrace != null, "bond.session_grace_s", "is missing");
            FieldException.range("bond.session_grace_s", sessionGrace.toSeconds(), 0, 86_400);
            FieldException.check(idleTimeout != null, "bond.idle_timeout_s", "is missing");
            FieldException.range("bond.idle_timeout_s", idleTimeout.toSeconds(), 1, 3600);
            FieldException.range("bond.max_udp_payload", maxUdpPayload, ClientLinkSpec.MIN_UDP_PAYLOAD,
                    ClientLinkSpec.MAX_UDP_PAYLOAD);
        }

        public static Bond defaults() {
            return new Bond(DEFAULT_FLOW_WINDOW_BYTES, DEFAULT_FLOW_SEND_BUFFER_BYTES, DEFAULT_MAX_FLOWS_PER_SESSION,
                    Duration.ofSeconds(DEFAULT_UDP_IDLE_TIMEOUT_S), Duration.ofSeconds(DEFAULT_SESSION_GRACE_S),
                    Duration.ofSeconds(DEFAULT_IDLE_TIMEOUT_S), DEFAULT_MAX_UDP_PAYLOAD);
        }

        /** {@link BondSettings#defaults()} with this record's values. */
        public BondSettings toSettings() {
            BondSettings d = BondSettings.defaults();
            return new BondSettings(flowWindowBytes, flowSendBufferBytes, maxFlowsPerSession, d.openTimeout(),
                    udpIdleTimeout, d.probeInterval(), d.silenceFloor(), d.deadAfter(), sessionGrace,
                    d.defaultPolicy());
        }
    }

    /**
     * Compat mode: plain VLESS over (MPTCP) TCP, as BondingShouldBeFree's xray clients speak it.
     *
     * @param listeners       the VLESS listeners; default none
     * @param headerTimeout   a connection whose VLESS header is not complete this long after it was accepted is
     *                        closed without a reply (slowloris); {@code header_timeout_ms}, 100..600000, default 10000
     * @param udpIdleTimeout  a UDP flow (command 2, or a Mux.Cool/XUDP session) silent both ways this long is closed;
     *                        {@code udp_idle_timeout_s}, 1..86400, default 300 (xray's)
     */
    public record Vless(List<VlessListener> listeners, Duration headerTimeout, Duration udpIdleTimeout) {

        public static final long DEFAULT_HEADER_TIMEOUT_MS = 10_000;
        public static final long DEFAULT_UDP_IDLE_TIMEOUT_S = 300;

        public Vless {
            FieldException.check(listeners != null && listeners.stream().noneMatch(Objects::isNull),
                    "vless.listeners", "must be a list of listeners");
            FieldException.check(headerTimeout != null, "vless.header_timeout_ms", "is missing");
            FieldException.range("vless.header_timeout_ms", headerTimeout.toMillis(), 100, 600_000);
            FieldException.check(udpIdleTimeout != null, "vless.udp_idle_timeout_s", "is missing");
            FieldException.range("vless.udp_idle_timeout_s", udpIdleTimeout.toSeconds(), 1, 86_400);
            listeners = List.copyOf(listeners);
            Set<String> seen = new java.util.HashSet<>();
            for (int i = 0; i < listeners.size(); i++) {
                FieldException.check(seen.add(listeners.get(i).listen().toString()),
                        "vless.listeners[" + i + "].listen", "is used by another listener");
            }
        }

        /** No listeners; 10 s header timeout; 300 s UDP idle timeout. */
        public static Vless defaults() {
            return new Vless(List.of(), Duration.ofMillis(DEFAULT_HEADER_TIMEOUT_MS),
                    Duration.ofSeconds(DEFAULT_UDP_IDLE_TIMEOUT_S));
        }
    }

    /**
     * One VLESS listening port. Many users may share a port, or each may have their own (BSBF's layout: one port per
     * client, from 16384 up).
     *
     * @param listen TCP address; port 0 picks a free port (tests)
     * @param users  who may use this port: user names or their VLESS UUIDs (users.json {@code vless_uuid}); empty
     *               (the default) means every user with a VLESS UUID
     * @param mptcp  listen with a kernel MPTCP socket (accepting plain TCP too); default true; where the kernel
     *               refuses, the listener uses TCP and logs one warning
     */
    public record VlessListener(HostPort listen, List<String> users, boolean mptcp) {
        public VlessListener {
            FieldException.check(listen != null, "vless.listeners[].listen", "is missing");
            FieldException.check(users != null && users.stream().allMatch(VlessListener::isUserOrUuid),
                    "vless.listeners[].users", "must list user names or VLESS UUIDs, got " + users);
            users = List.copyOf(users);
        }

        private static boolean isUserOrUuid(String entry) {
            if (entry == null) {
                return false;
            }
            try {
                java.util.UUID.fromString(entry);
                return true;
            } catch (IllegalArgumentException e) {
                return entry.matches("[A-Za-z0-9._-]{1,64}");
            }
        }
    }
}
