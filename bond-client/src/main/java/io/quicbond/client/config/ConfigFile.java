package io.quicbond.client.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.quicbond.client.rules.Cidr;
import io.quicbond.client.rules.DomainSuffix;
import io.quicbond.transport.net.IpLiterals;
import io.quicbond.client.rules.PolicyRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code client.json} as written: every field nullable (absent), names in snake_case. Jackson reads and writes
 * these records; {@link #withDefaults()} fills what is absent, {@link ConfigValidator} turns the result into a
 * {@link ClientConfig}. The schema and every default are documented on {@link ClientConfig}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record ConfigFile(ServerFile server, String user, String secret, String engine, List<UplinkFile> uplinks,
                  Socks5File socks5, HttpFile http, List<ForwardFile> forwards, PolicyFile policy,
                  String statusListen, BondFile bond, RouterFile router, TransportFile transport) {

    /** Without a {@code transport} key (the bond). */
    ConfigFile(ServerFile server, String user, String secret, String engine, List<UplinkFile> uplinks,
               Socks5File socks5, HttpFile http, List<ForwardFile> forwards, PolicyFile policy,
               String statusListen, BondFile bond, RouterFile router) {
        this(server, user, secret, engine, uplinks, socks5, http, forwards, policy, statusListen, bond, router, null);
    }

    static final String DEFAULT_TRANSPORT = "bond";
    static final long DEFAULT_VLESS_UDP_IDLE_TIMEOUT_S = 300;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TransportFile(String type, String server, String uuid, Boolean mptcp, Long udpIdleTimeoutS) {
        TransportFile withDefaults() {
            return new TransportFile(or(type, DEFAULT_TRANSPORT), server, uuid, or(mptcp, true),
                    or(udpIdleTimeoutS, DEFAULT_VLESS_UDP_IDLE_TIMEOUT_S));
        }
    }

    static final String DEFAULT_SERVER_NAME = "quicbond";
    static final String DEFAULT_ENGINE = io.quicbond.transport.engine.QuicEngines.DEFAULT;
    static final boolean DEFAULT_PRIMARY = true;
    static final double DEFAULT_WEIGHT = 1.0;
    static final String DEFAULT_BUDGET_PERIOD = "month";
    static final String DEFAULT_SOCKS5_LISTEN = "127.0.0.1:1080";
    static final long DEFAULT_SOCKS5_HANDSHAKE_TIMEOUT_MS = 10_000;
    static final String DEFAULT_HTTP_LISTEN = "127.0.0.1:8080";
    static final String DEFAULT_POLICY = "aggregate";
    static final String DEFAULT_RULE_PROTOCOL = "any";
    static final String DEFAULT_STATUS_LISTEN = "127.0.0.1:7071";
    static final long DEFAULT_FLOW_WINDOW_BYTES = 16L << 20;
    static final long DEFAULT_FLOW_SEND_BUFFER_BYTES = 16L << 20;
    static final long DEFAULT_OPEN_TIMEOUT_S = 15;
    static final long DEFAULT_UDP_IDLE_TIMEOUT_S = 60;
    static final int DEFAULT_TPROXY_PORT = 4435;
    static final List<String> DEFAULT_LAN_INTERFACES = List.of("br-lan");
    static final long DEFAULT_FWMARK = 0x1151;
    static final long DEFAULT_ROUTE_TABLE = 4433;
    static final String DEFAULT_NFT_TABLE = "quicbond";
    static final String DEFAULT_DNS_RESOLVER = "1.1.1.1:53";

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ServerFile(String address, String pin, String serverName) {
        ServerFile withDefaults() {
            return new ServerFile(address, pin, or(serverName, DEFAULT_SERVER_NAME));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UplinkFile(String name, String bindAddress, @JsonProperty("interface") String bindInterface, String server,
                      Boolean primary, Boolean enabled, Double weight, Double maxUpMbit, Double maxDownMbit,
                      BudgetFile budget, String congestionControl, Long mark, Integer maxUdpPayload) {
        UplinkFile withDefaults() {
            return new UplinkFile(name, bindAddress, bindInterface, server, or(primary, DEFAULT_PRIMARY),
                    or(enabled, true), or(weight, DEFAULT_WEIGHT), or(maxUpMbit, 0.0), or(maxDownMbit, 0.0),
                    budget == null ? null : budget.withDefaults(), congestionControl, or(mark, 0L),
                    or(maxUdpPayload, ClientConfig.Uplink.DEFAULT_MAX_UDP_PAYLOAD));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BudgetFile(Double gigabytes, String period, Integer resetDay) {
        BudgetFile withDefaults() {
            return new BudgetFile(gigabytes, or(period, DEFAULT_BUDGET_PERIOD), or(resetDay, 1));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Socks5File(String listen, String username, String password, Long handshakeTimeoutMs) {
        Socks5File withDefaults() {
            return new Socks5File(or(listen, DEFAULT_SOCKS5_LISTEN), username, password,
                    or(handshakeTimeoutMs, DEFAULT_SOCKS5_HANDSHAKE_TIMEOUT_MS));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record HttpFile(String listen) {
        HttpFile withDefaults() {
            return new HttpFile(or(listen, DEFAULT_HTTP_LISTEN));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ForwardFile(String protocol, String listen, String to) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PolicyFile(@JsonProperty("default") String defaultPolicy, List<RuleFile> rules) {
        PolicyFile withDefaults() {
            List<RuleFile> filled = new ArrayList<>();
            for (RuleFile r : or(rules, List.<RuleFile>of())) {
                filled.add(r == null ? null : r.withDefaults());
            }
            return new PolicyFile(or(defaultPolicy, DEFAULT_POLICY), filled);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RuleFile(String protocol, String ports, List<String> cidr, List<String> domainSuffix, String policy) {
        RuleFile withDefaults() {
            return new RuleFile(or(protocol, DEFAULT_RULE_PROTOCOL), ports, or(cidr, List.of()),
                    or(domainSuffix, List.of()), policy);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BondFile(Long flowWindowBytes, Long flowSendBufferBytes, Long openTimeoutS, Long udpIdleTimeoutS) {
        BondFile withDefaults() {
            return new BondFile(or(flowWindowBytes, DEFAULT_FLOW_WINDOW_BYTES),
                    or(flowSendBufferBytes, DEFAULT_FLOW_SEND_BUFFER_BYTES), or(openTimeoutS, DEFAULT_OPEN_TIMEOUT_S),
                    or(udpIdleTimeoutS, DEFAULT_UDP_IDLE_TIMEOUT_S));
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record RouterFile(Integer tproxyPort, List<String> lanInterfaces, List<String> bypass, Long fwmark, Long routeTable,
                      Boolean ipv6, String nftTable, DnsFile dns, Boolean failClosed) {
        RouterFile withDefaults() {
            return new RouterFile(or(tproxyPort, DEFAULT_TPROXY_PORT), or(lanInterfaces, DEFAULT_LAN_INTERFACES),
                    or(bypass, List.of()), or(fwmark, DEFAULT_FWMARK), or(routeTable, DEFAULT_ROUTE_TABLE),
                    or(ipv6, true), or(nftTable, DEFAULT_NFT_TABLE), or(dns, new DnsFile(null, null, null)).withDefaults(),
                    or(failClosed, false));
        }
    }

    /** {@code resolver} "original" keeps each query's own destination. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DnsFile(Boolean intercept, String resolver, String listen) {
        DnsFile withDefaults() {
            return new DnsFile(or(intercept, true), or(resolver, DEFAULT_DNS_RESOLVER), listen);
        }
    }

    /**
     * Every absent field with its default. Absent {@code socks5} and {@code http} stay absent (that ingress is off);
     * a null element of a list stays null, for the validator to report.
     */
    ConfigFile withDefaults() {
        List<UplinkFile> filledUplinks = new ArrayList<>();
        for (UplinkFile u : or(uplinks, List.<UplinkFile>of())) {
            filledUplinks.add(u == null ? null : u.withDefaults());
        }
        return new ConfigFile(server == null ? null : server.withDefaults(), user, secret, or(engine, DEFAULT_ENGINE),
                filledUplinks, socks5 == null ? null : socks5.withDefaults(), http == null ? null : http.withDefaults(),
                or(forwards, List.of()), or(policy, new PolicyFile(null, null)).withDefaults(),
                or(statusListen, DEFAULT_STATUS_LISTEN), or(bond, new BondFile(null, null, null, null)).withDefaults(),
                router == null ? null : router.withDefaults(),
                or(transport, new TransportFile(null, null, null, null, null)).withDefaults());
    }

    ConfigFile withSocks5(Socks5File s) {
        return new ConfigFile(server, user, secret, engine, uplinks, s, http, forwards, policy, statusListen, bond, router, transport);
    }

    ConfigFile withHttp(HttpFile h) {
        return new ConfigFile(server, user, secret, engine, uplinks, socks5, h, forwards, policy, statusListen, bond, router, transport);
    }

    ConfigFile withStatusListen(String listen) {
        return new ConfigFile(server, user, secret, engine, uplinks, socks5, http, forwards, policy, listen, bond, router, transport);
    }

    /** The file form of a valid config, every field written out; secrets as "&lt;redacted&gt;" unless included. */
    static ConfigFile from(ClientConfig c, boolean includeSecrets) {
        String redacted = "<redacted>";
        List<UplinkFile> uplinks = new ArrayList<>();
        for (ClientConfig.Uplink u : c.uplinks()) {
            uplinks.add(new UplinkFile(u.name(), u.bindAddress() == null ? null : IpLiterals.format(u.bindAddress()),
                    u.bindInterface(), u.server() == null ? null : u.server().toString(), u.primary(), u.enabled(),
                    u.weight(), u.upBitsPerSecond() / 1e6, u.downBitsPerSecond() / 1e6,
                    u.budget() == null ? null : new BudgetFile(u.budget().bytes() / 1e9,
                            u.budget().period().name().toLowerCase(Locale.ROOT), u.budget().resetDay()),
                    u.congestionControl(), u.mark() == 0 ? null : u.mark(), u.maxUdpPayload()));
        }
        Socks5File socks5 = null;
        if (c.socks5() != null) {
            ClientConfig.Socks5 s = c.socks5();
            socks5 = new Socks5File(HostPort.format(s.listen()), s.username(),
                    s.password() == null ? null : includeSecrets ? s.password() : redacted, s.handshakeTimeout().toMillis());
        }
        HttpFile http = c.http() == null ? null : new HttpFile(HostPort.format(c.http().listen()));
        List<ForwardFile> forwards = new ArrayList<>();
        for (ClientConfig.Forward f : c.forwards()) {
            forwards.add(new ForwardFile(f.protocol().name().toLowerCase(Locale.ROOT), HostPort.format(f.listen()),
                    HostPort.of(f.to()).toString()));
        }
        List<RuleFile> rules = new ArrayList<>();
        for (PolicyRule r : c.policy().rules()) {
            rules.add(new RuleFile(r.protocol().name().toLowerCase(Locale.ROOT),
                    r.ports() == null ? null : r.ports().toString(), r.cidrs().stream().map(Cidr::toString).toList(),
                    r.domainSuffixes().stream().map(DomainSuffix::toString).toList(), policyName(r.policy())));
        }
        ClientConfig.Bond b = c.bond();
        ClientConfig.Transport t = c.transport();
        TransportFile transport = t.isVless()
                ? new TransportFile(t.type(), t.server().toString(), t.uuid().toString(), t.mptcp(),
                        t.udpIdleTimeout().toSeconds())
                : null;
        return new ConfigFile(c.server() == null ? null
                : new ServerFile(c.server().address().toString(), c.server().pin().toString(), c.server().serverName()),
                c.user(), c.secret() == null ? null : includeSecrets ? c.secret() : redacted, c.engine(), uplinks,
                socks5, http, forwards,
                new PolicyFile(policyName(c.policy().defaultPolicy()), rules), HostPort.format(c.statusListen()),
                new BondFile(b.flowWindowBytes(), b.flowSendBufferBytes(), b.openTimeout().toSeconds(),
                        b.udpIdleTimeout().toSeconds()), router(c.router()), transport);
    }

    private static RouterFile router(ClientConfig.Router r) {
        if (r == null) {
            return null;
        }
        return new RouterFile(r.tproxyPort(), r.lanInterfaces(), r.bypass().stream().map(Cidr::toString).toList(),
                r.fwmark(), (long) r.routeTable(), r.ipv6(), r.nftTable(), new DnsFile(r.dnsIntercept(),
                r.dnsResolver() == null ? "original" : HostPort.of(r.dnsResolver()).toString(),
                r.dnsListen() == null ? null : HostPort.format(r.dnsListen())), r.failClosed());
    }

    /** "lowest-latency", as {@code Policy.parse} reads it. */
    static String policyName(io.quicbond.transport.scheduler.Policy p) {
        return p.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    private static <T> T or(T value, T otherwise) {
        return value != null ? value : otherwise;
    }
}
