package io.quicbond.client.config;

import io.quicbond.client.rules.PolicyRule;
import io.quicbond.client.rules.PolicyRules;
import io.quicbond.transport.Destination;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.session.BondSettings;
import io.quicbond.transport.tls.CertificatePin;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The client's configuration: what {@code client.json} says, every default filled in and every field checked.
 * Immutable; any thread. Instances from {@link #load}, {@link #parse}, {@link ShareLink#parse} and the
 * {@code with...} methods have been validated as a whole; the record constructors themselves check only nulls.
 *
 * <h2>{@code client.json}</h2>
 * JSON, keys in snake_case; an unknown key, a duplicate key or a value of the wrong JSON type is an error that names
 * it. {@code null} means the same as an absent key. Defaults are filled in one step, then everything is validated
 * in one step, at load time, and every problem is reported as {@code "client.json: uplinks[1].bind_address: not
 * an IP address: 'x'"}.
 * <pre>{@code
 * {
 *   "server": {                              required
 *     "address": "bond.example.net:443",     required; HOST:PORT (name, IPv4, or [IPv6])
 *     "pin": "sha256/…",                     required; SHA-256 of the server's public key (bond-server init)
 *     "server_name": "quicbond"              default "quicbond"; TLS SNI and certificate name
 *   },
 *   "user": "alice",                         required; 1..255 bytes, no control characters
 *   "secret": "…",                           required; base64url text as bond-server gave it; the decoded
 *                                            bytes (1..255) are sent at login
 *   "engine": "quiche",                      default "quiche"; or "kwik" (pure Java)
 *   "uplinks": [ {                           at least one
 *     "name": "lte0",                        required, unique; [A-Za-z0-9._-]{1,32}
 *     "bind_address": "10.64.0.2",           optional IP literal: the source address on this WAN
 *     "interface": "wwan0",                  optional interface name; without bind_address, its address at
 *                                            start is used
 *     "server": "203.0.113.7:443",           optional HOST:PORT; default server.address
 *     "primary": true,                       default true; false = backup: carries flow data (under every
 *                                            policy) only while no primary uplink is up
 *     "enabled": true,                       default true; false = configured but not connected
 *     "weight": 1.0,                         default 1.0; 0.01..100; scales the uplink's measured rate in the
 *                                            aggregate policy (2 = given chunks as if twice as fast)
 *     "max_up_mbit": 20,                     default 0 = no cap; upload cap in Mbit/s (decimals allowed)
 *     "max_down_mbit": 50,                   default 0 = no cap; download cap, applied by the server
 *     "budget": {                            optional; absent = unlimited
 *       "gigabytes": 20,                     required; > 0; flow payload both ways (10^9 bytes)
 *       "period": "month",                   default "month"; day | week | month (local time)
 *       "reset_day": 1                       default 1; 1..28 of the month, 1..7 (Monday = 1) of the week
 *     },                                     used up: the uplink is a backup until the period ends
 *     "congestion_control": "bbr",           default bbr; bbr | cubic | reno; kwik: bbr (its delivery-rate
 *                                            window) or reno
 *     "max_udp_payload": 1350                default 1350; 1200..8972; the largest UDP payload either way on
 *                                            this uplink (quiche; the server sends no more than this either).
 *                                            1472 where the whole path carries 1500-byte IPv4 packets: fewer
 *                                            packets, less CPU; too large for the path and the uplink stalls;
 *                                            kwik keeps its own size (other values refused)
 *   } ],                                     (budget use is kept across restarts in a state file; see
 *                                            bond-client run --state-file)
 *   "socks5": {                              optional; absent = no SOCKS5 ingress
 *     "listen": "127.0.0.1:1080",            default "127.0.0.1:1080"; IP literal; port 0 = any free port
 *     "username": "u", "password": "p",      optional, both or neither (RFC 1929; 1..255 bytes each)
 *     "handshake_timeout_ms": 10000          default 10000; 1..600000
 *   },
 *   "http": { "listen": "127.0.0.1:8080" },  optional; absent = no HTTP proxy; listen default "127.0.0.1:8080"
 *   "forwards": [ {                          default []; port forwards
 *     "protocol": "tcp",                     required; "tcp" or "udp"
 *     "listen": "0.0.0.0:2222",              required; IP literal
 *     "to": "host.example:22"                required; HOST:PORT, resolved at the server
 *   } ],
 *   "policy": {                              default {"default": "aggregate", "rules": []}
 *     "default": "aggregate",                default "aggregate"; aggregate | lowest-latency | redundant | failover
 *     "rules": [ {                           first matching rule wins; a flow no rule matches gets the default
 *       "protocol": "udp",                   default "any"; tcp | udp | any
 *       "ports": "3478-3481,19302-19309",    optional; default any port
 *       "cidr": ["10.0.0.0/8"],              optional; IP destinations in one of these networks
 *       "domain_suffix": ["example.com"],    optional; domain destinations at or under one of these
 *       "policy": "redundant"                required
 *     } ]                                    (cidr and domain_suffix together: either may match)
 *   },
 *   "status_listen": "127.0.0.1:7071",       default "127.0.0.1:7071"; loopback only (no authentication)
 *   "bond": {                                tunables; every field has a default
 *     "flow_window_bytes": 16777216,         default 16 MiB; 65536..1073741824; receive buffer per flow
 *     "flow_send_buffer_bytes": 16777216,    default 16 MiB; 65536..1073741824; unacknowledged bytes per flow
 *     "open_timeout_s": 15,                  default 15; 1..300; opening a flow end to end
 *     "udp_idle_timeout_s": 60               default 60; 1..86400; a UDP flow (and UDP forward) idles out
 *   }
 * }
 * }</pre>
 *   "router": {                              optional; router mode (transparent proxy for a LAN), see Router
 *     "tproxy_port": 4435, "lan_interfaces": ["br-lan"], "bypass": [], "fwmark": 4433, "route_table": 4433,
 *     "ipv6": true, "nft_table": "quicbond", "dns": {"intercept": true, "resolver": "1.1.1.1:53"}
 *   }
 * }
 * }</pre>
 * At least one ingress ({@code socks5}, {@code http}, a forward or {@code router}) must be configured, and no two listeners of
 * one protocol may share an address and port.
 *
 * @param socks5 null when the SOCKS5 ingress is off
 * @param http   null when the HTTP proxy is off
 */
public record ClientConfig(Server server, String user, String secret, String engine, List<Uplink> uplinks,
                           Socks5 socks5, Http http, List<Forward> forwards, PolicyConfig policy,
                           InetSocketAddress statusListen, Bond bond, Router router, Transport transport) {

    /** The engines {@code engine} may name. */
    public static final List<String> ENGINES = io.quicbond.transport.engine.QuicEngines.NAMES;

    public ClientConfig {
        Objects.requireNonNull(transport, "transport");
        if (!transport.isVless()) {
            Objects.requireNonNull(server, "server");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(secret, "secret");
        }
        Objects.requireNonNull(engine, "engine");
        uplinks = List.copyOf(uplinks);
        forwards = List.copyOf(forwards);
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(statusListen, "statusListen");
        Objects.requireNonNull(bond, "bond");
    }

    /** The bond (every flow over the QUIC uplinks). */
    public ClientConfig(Server server, String user, String secret, String engine, List<Uplink> uplinks,
                        Socks5 socks5, Http http, List<Forward> forwards, PolicyConfig policy,
                        InetSocketAddress statusListen, Bond bond, Router router) {
        this(server, user, secret, engine, uplinks, socks5, http, forwards, policy, statusListen, bond, router,
                Transport.BOND);
    }

    /**
     * Where flows go: {@code "bond"} (the default: the bond server over the uplinks) or {@code "vless"} (compat
     * mode: plain VLESS over MPTCP to an existing BSBF/xray/v2ray server; then {@code server}, {@code user},
     * {@code secret} are not needed and {@code uplinks} only tell {@code bond-client mptcp} which interfaces to use).
     *
     * @param server         the VLESS server, HOST:PORT; null for the bond
     * @param uuid           the VLESS user id; null for the bond
     * @param mptcp          kernel MPTCP sockets (default true; TCP with a warning where the kernel refuses)
     * @param udpIdleTimeout a VLESS UDP connection idle this long is closed; default 300 s
     */
    public record Transport(String type, HostPort server, java.util.UUID uuid, boolean mptcp, Duration udpIdleTimeout) {
        public static final Transport BOND = new Transport("bond", null, null, true, Duration.ofSeconds(300));

        public boolean isVless() {
            return "vless".equals(type);
        }
    }

    /**
     * @param address    where uplinks connect unless they name a server of their own
     * @param pin        the server's public key pin
     * @param serverName SNI and certificate name; default "quicbond"
     */
    public record Server(HostPort address, CertificatePin pin, String serverName) {
    }

    /**
     * @param bindAddress       source address; null = unset
     * @param bindInterface     interface name; null = unset
     * @param server            this uplink's server endpoint; null = {@link Server#address()}
     * @param enabled           false = configured but not connected
     * @param weight            scales the uplink's rate estimate in the aggregate policy
     * @param upBitsPerSecond   upload cap; 0 = none
     * @param downBitsPerSecond download cap (the server applies it); 0 = none
     * @param budget            data budget; null = none
     * @param congestionControl "bbr", "cubic" or "reno"; null = the engine's default (bbr); kwik has bbr (its
     *                          delivery-rate window) and reno
     * @param mark              SO_MARK of the uplink's socket, for {@code ip rule fwmark M table T} per WAN; 0 = none
     * @param maxUdpPayload     largest UDP payload either way on this uplink
     */
    public record Uplink(String name, InetAddress bindAddress, String bindInterface, HostPort server, boolean primary,
                         boolean enabled, double weight, long upBitsPerSecond, long downBitsPerSecond, Budget budget,
                         String congestionControl, long mark, int maxUdpPayload) {
        /** The default largest UDP payload: the engine's, which fits PPPoE, LTE and most tunnels. */
        public static final int DEFAULT_MAX_UDP_PAYLOAD =
                io.quicbond.transport.engine.quiche.QuicheEngine.DEFAULT_UDP_PAYLOAD;

        /** With the default UDP payload size. */
        public Uplink(String name, InetAddress bindAddress, String bindInterface, HostPort server, boolean primary,
                      boolean enabled, double weight, long upBitsPerSecond, long downBitsPerSecond, Budget budget,
                      String congestionControl, long mark) {
            this(name, bindAddress, bindInterface, server, primary, enabled, weight, upBitsPerSecond, downBitsPerSecond,
                    budget, congestionControl, mark, DEFAULT_MAX_UDP_PAYLOAD);
        }

        /** With no socket mark. */
        public Uplink(String name, InetAddress bindAddress, String bindInterface, HostPort server, boolean primary,
                      boolean enabled, double weight, long upBitsPerSecond, long downBitsPerSecond, Budget budget,
                      String congestionControl) {
            this(name, bindAddress, bindInterface, server, primary, enabled, weight, upBitsPerSecond, downBitsPerSecond,
                    budget, congestionControl, 0);
        }

        /** An enabled uplink with default weight, no caps, no budget and the engine's congestion control. */
        public Uplink(String name, InetAddress bindAddress, String bindInterface, HostPort server, boolean primary) {
            this(name, bindAddress, bindInterface, server, primary, true, 1.0, 0, 0, null, null, 0,
                    DEFAULT_MAX_UDP_PAYLOAD);
        }
    }

    /**
     * A data budget: once {@code bytes} (flow payload both ways) are used within the period, the uplink serves only
     * as a backup until the next period.
     *
     * @param resetDay 1..28 for a month, 1..7 (Monday = 1) for a week, 1 for a day
     */
    public record Budget(long bytes, io.quicbond.client.uplink.BudgetPeriod period, int resetDay) {
    }

    /**
     * @param username null when no authentication is asked (then password is null too)
     */
    public record Socks5(InetSocketAddress listen, String username, String password, Duration handshakeTimeout) {
        @Override
        public String toString() {
            return "Socks5[listen=" + HostPort.format(listen) + ", username=" + username
                    + (password != null ? ", password=<redacted>" : "") + ", handshakeTimeout=" + handshakeTimeout + "]";
        }
    }

    public record Http(InetSocketAddress listen) {
    }

    public enum ForwardProtocol { TCP, UDP }

    public record Forward(ForwardProtocol protocol, InetSocketAddress listen, Destination to) {
    }

    /**
     * @param defaultPolicy for flows no rule matches; default aggregate
     * @param rules         in order; the first match wins
     */
    public record PolicyConfig(Policy defaultPolicy, List<PolicyRule> rules) {
        public PolicyConfig {
            Objects.requireNonNull(defaultPolicy, "defaultPolicy");
            rules = List.copyOf(rules);
        }

        /** The rules as the bond's classifier. */
        public PolicyRules classifier() {
            return new PolicyRules(rules, defaultPolicy);
        }
    }

    /**
     * @param flowWindowBytes     default 16 MiB
     * @param flowSendBufferBytes default 16 MiB
     * @param openTimeout         default 15 s
     * @param udpIdleTimeout      default 60 s
     */
    public record Bond(long flowWindowBytes, long flowSendBufferBytes, Duration openTimeout, Duration udpIdleTimeout) {

        /** The bond's settings: these values over {@link BondSettings#defaults()}, with the default policy. */
        public BondSettings settings(Policy defaultPolicy) {
            BondSettings d = BondSettings.defaults();
            return new BondSettings(flowWindowBytes, flowSendBufferBytes, d.maxFlowsPerSession(), openTimeout,
                    udpIdleTimeout, d.probeInterval(), d.silenceFloor(), d.deadAfter(), d.sessionGrace(),
                    defaultPolicy);
        }
    }

    /**
     * Router mode ({@code bond-client router up}): the transparent ingress and the nftables / policy-routing set-up
     * that sends the LAN's traffic to it. Defaults in docs/operations.md.
     *
     * @param tproxyPort    TCP and UDP port of the transparent ingress; default 4435
     * @param lanInterfaces interfaces whose incoming traffic enters the bond; default ["br-lan"]
     * @param bypass        extra destinations that never enter the bond (beside the built-in private, CGNAT,
     *                      link-local, multicast and loopback ranges and the server's own addresses); default []
     * @param fwmark        firewall mark of intercepted packets, the key of the policy-routing rule; default 0x1151
     * @param routeTable    routing table holding the "local" default route; default 4433; must be unused otherwise
     * @param ipv6          intercept IPv6 too; default true
     * @param nftTable      name of the nftables table (family inet); default "quicbond"
     * @param dnsIntercept  capture DNS (TCP and UDP port 53) to any address, the router's own included; default true
     * @param dnsResolver   where captured DNS goes through the bond; default 1.1.1.1:53; null = the query's own
     *                      destination ("original")
     * @param dnsListen     a local TCP and UDP DNS port (e.g. 127.0.0.1:5353) whose queries go to {@code dnsResolver}
     *                      through the bond: the upstream for a resolver on the router itself (OpenWrt's dnsmasq);
     *                      null = none (the default)
     * @param failClosed    {@code router up} also drops LAN traffic forwarded to the uplinks, so that nothing leaks
     *                      while the client is not running; default false
     */
    public record Router(int tproxyPort, List<String> lanInterfaces, List<io.quicbond.client.rules.Cidr> bypass,
                         long fwmark, int routeTable, boolean ipv6, String nftTable, boolean dnsIntercept,
                         Destination dnsResolver, InetSocketAddress dnsListen, boolean failClosed) {
        /** With no local DNS port and fail-open. */
        public Router(int tproxyPort, List<String> lanInterfaces, List<io.quicbond.client.rules.Cidr> bypass,
                      long fwmark, int routeTable, boolean ipv6, String nftTable, boolean dnsIntercept,
                      Destination dnsResolver) {
            this(tproxyPort, lanInterfaces, bypass, fwmark, routeTable, ipv6, nftTable, dnsIntercept, dnsResolver,
                    null, false);
        }

        public Router {
            lanInterfaces = List.copyOf(lanInterfaces);
            bypass = List.copyOf(bypass);
            Objects.requireNonNull(nftTable, "nftTable");
        }
    }

    /**
     * Reads, fills in and validates a config file (at most 1 MiB of UTF-8 JSON).
     *
     * @throws ConfigException naming the file and each problem; also when the file cannot be read
     */
    public static ClientConfig load(Path file) throws ConfigException {
        return ConfigJson.load(file);
    }

    /**
     * Parses, fills in and validates a config given as text.
     *
     * @param source names the text in messages, e.g. "client.json"
     * @throws ConfigException naming the source and each problem
     */
    public static ClientConfig parse(String json, String source) throws ConfigException {
        return ConfigJson.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), source);
    }

    /** As {@link #parse(String, String)}, for bytes (UTF-8, or UTF-16/32 with the encoding detected). */
    public static ClientConfig parse(byte[] json, String source) throws ConfigException {
        return ConfigJson.parse(json, source);
    }

    /**
     * This config as {@code client.json} text, every default written out, so that {@link #parse} gives back an equal
     * config.
     *
     * @param includeSecrets false writes "&lt;redacted&gt;" in place of the secret and the SOCKS5 password (the
     *                       result then no longer loads)
     */
    public String toJson(boolean includeSecrets) {
        return ConfigJson.write(ConfigFile.from(this, includeSecrets));
    }

    /** The secret's raw bytes, as sent at login. */
    public byte[] secretBytes() {
        return Base64.getUrlDecoder().decode(secret);
    }

    /** The server endpoint {@code uplink} connects to. */
    public HostPort serverFor(Uplink uplink) {
        return uplink.server() != null ? uplink.server() : server.address();
    }

    /**
     * This config with the SOCKS5 ingress on {@code listen} (turned on with defaults if it was off).
     *
     * @throws ConfigException for a bad address, or a clash with another listener (source "command line")
     */
    public ClientConfig withSocks5Listen(String listen) throws ConfigException {
        ConfigFile f = ConfigFile.from(this, true);
        ConfigFile.Socks5File s = f.socks5() != null ? f.socks5() : new ConfigFile.Socks5File(null, null, null, null);
        return edit(f.withSocks5(new ConfigFile.Socks5File(listen, s.username(), s.password(), s.handshakeTimeoutMs())));
    }

    /** This config with the HTTP proxy on {@code listen} (turned on if it was off). */
    public ClientConfig withHttpListen(String listen) throws ConfigException {
        return edit(ConfigFile.from(this, true).withHttp(new ConfigFile.HttpFile(listen)));
    }

    /** This config with the status endpoint on {@code listen}. */
    public ClientConfig withStatusListen(String listen) throws ConfigException {
        return edit(ConfigFile.from(this, true).withStatusListen(listen));
    }

    private static ClientConfig edit(ConfigFile f) throws ConfigException {
        return ConfigValidator.validate(f.withDefaults(), "command line");
    }

    /** Like the record's, with the secret and the SOCKS5 password left out. */
    @Override
    public String toString() {
        return "ClientConfig[server=" + server + ", user=" + user + ", secret=<redacted>, engine=" + engine
                + ", uplinks=" + uplinks + ", socks5=" + socks5 + ", http=" + http + ", forwards=" + forwards
                + ", policy=" + policy + ", statusListen=" + HostPort.format(statusListen) + ", bond=" + bond
                + ", router=" + router + "]";
    }
}
