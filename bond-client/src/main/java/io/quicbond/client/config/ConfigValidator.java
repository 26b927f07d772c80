package io.quicbond.client.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.quicbond.client.config.ConfigFile.BondFile;
import io.quicbond.client.config.ConfigFile.ForwardFile;
import io.quicbond.client.config.ConfigFile.PolicyFile;
import io.quicbond.client.config.ConfigFile.RuleFile;
import io.quicbond.client.config.ConfigFile.Socks5File;
import io.quicbond.client.config.ConfigFile.UplinkFile;
import io.quicbond.client.uplink.BudgetPeriod;
import io.quicbond.transport.session.UplinkTuning;
import io.quicbond.client.rules.Cidr;
import io.quicbond.client.rules.DomainSuffix;
import io.quicbond.transport.net.IpLiterals;
import io.quicbond.client.rules.PolicyRule;
import io.quicbond.client.rules.PortRanges;
import io.quicbond.transport.Destination;
import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.kwik.KwikEngine;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.tls.CertificatePin;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The one validation step: a {@link ConfigFile} with its defaults filled in becomes a {@link ClientConfig}, or every
 * problem found is reported at once, each as {@code "SOURCE: PATH: what is wrong"}. Never echoes a secret.
 * One instance per validation; not thread-safe.
 */
final class ConfigValidator {
    static final Pattern UPLINK_NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");
    /** Linux interface names: at most 15 characters (IFNAMSIZ 16), no '/' or whitespace. */
    static final Pattern INTERFACE_NAME = Pattern.compile("[A-Za-z0-9._:@-]{1,15}");
    static final long MIN_BUFFER = 64 * 1024;
    static final long MAX_BUFFER = 1L << 30;
    static final long MAX_HANDSHAKE_TIMEOUT_MS = 600_000;
    static final long MAX_OPEN_TIMEOUT_S = 300;
    static final long MAX_UDP_IDLE_TIMEOUT_S = 86_400;
    /** Frame.Hello carries user and secret with a one-byte length each (docs/protocol.md). */
    static final int MAX_LOGIN_FIELD = 255;

    private final String source;
    private final List<String> problems = new ArrayList<>();
    private final List<Listener> tcpListeners = new ArrayList<>();
    private final List<Listener> udpListeners = new ArrayList<>();

    private record Listener(String path, InetSocketAddress address) {
    }

    private ConfigValidator(String source) {
        this.source = source;
    }

    /**
     * @param filled a file form after {@link ConfigFile#withDefaults()}
     * @throws ConfigException with every problem
     */
    static ClientConfig validate(ConfigFile filled, String source) throws ConfigException {
        ConfigValidator v = new ConfigValidator(source);
        ClientConfig config = v.check(filled);
        if (!v.problems.isEmpty()) {
            throw new ConfigException(v.problems);
        }
        return config;
    }

    private void problem(String path, String message) {
        problems.add(source + ": " + path + ": " + message);
    }

    /** Runs {@code parse}; on IllegalArgumentException records its message under {@code path} and returns null. */
    private <T> T parse(String path, String value, Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
    }

    private ClientConfig check(ConfigFile f) {
        ClientConfig.Transport transport = transport(f.transport());
        boolean vless = transport != null && transport.isVless();
        ClientConfig.Server server = vless && f.server() == null ? null : server(f.server());
        String user = vless && f.user() == null ? null : user(f.user());
        String secret = vless && f.secret() == null ? null : secret(f.secret());
        String engine = f.engine();
        if (!ClientConfig.ENGINES.contains(engine)) {
            problem("engine", "unknown engine " + ConfigText.quote(engine) + " (known: " + String.join(", ", ClientConfig.ENGINES) + ")");
        }
        List<ClientConfig.Uplink> uplinks = vless && f.uplinks().isEmpty() ? List.of() : uplinks(f.uplinks(), server, engine);
        ClientConfig.Socks5 socks5 = socks5(f.socks5());
        ClientConfig.Http http = null;
        if (f.http() != null) {
            InetSocketAddress listen = listen("http.listen", f.http().listen(), tcpListeners);
            http = listen == null ? null : new ClientConfig.Http(listen);
        }
        List<ClientConfig.Forward> forwards = forwards(f.forwards());
        ClientConfig.PolicyConfig policy = policy(f.policy());
        InetSocketAddress status = listen("status_listen", f.statusListen(), tcpListeners);
        if (status != null && !status.getAddress().isLoopbackAddress()) {
            problem("status_listen", "must be a loopback address such as 127.0.0.1:7071 or [::1]:7071 (the endpoint has"
                    + " no authentication), got " + ConfigText.quote(HostPort.format(status)));
        }
        ClientConfig.Bond bond = bond(f.bond());
        ClientConfig.Router router = f.router() == null ? null : router(f.router());
        if (router != null) {
            for (int i = 0; i < uplinks.size(); i++) {
                if (uplinks.get(i).mark() != 0 && uplinks.get(i).mark() == router.fwmark()) {
                    // The policy rule "fwmark M lookup T" would deliver the uplink's own packets back to this host.
                    problem("uplinks[" + i + "].mark", "must differ from router.fwmark (0x"
                            + Long.toHexString(router.fwmark()) + "): that mark sends packets into the bond");
                }
            }
        }
        if (f.socks5() == null && f.http() == null && f.forwards().isEmpty() && f.router() == null) {
            problems.add(source + ": no ingress: add \"socks5\", \"http\", \"forwards\" or \"router\"");
        }
        clashes(tcpListeners, "TCP");
        clashes(udpListeners, "UDP");
        if (!problems.isEmpty()) {
            return null;
        }
        return new ClientConfig(server, user, secret, engine, uplinks, socks5, http, forwards, policy, status, bond, router,
                transport);
    }

    private ClientConfig.Transport transport(ConfigFile.TransportFile t) {
        if ("bond".equals(t.type())) {
            if (t.server() != null || t.uuid() != null) {
                problem("transport", "\"server\" and \"uuid\" belong to \"type\": \"vless\"");
            }
            return ClientConfig.Transport.BOND;
        }
        if (!"vless".equals(t.type())) {
            problem("transport.type", "unknown transport " + ConfigText.quote(t.type()) + " (known: bond, vless)");
            return null;
        }
        HostPort vlessServer = null;
        if (t.server() == null) {
            problem("transport.server", "required: HOST:PORT of the VLESS server");
        } else {
            vlessServer = parse("transport.server", t.server(), HostPort::parse);
        }
        java.util.UUID uuid = null;
        if (t.uuid() == null) {
            problem("transport.uuid", "required: the VLESS user id");
        } else {
            uuid = parse("transport.uuid", t.uuid(), text -> {
                if (!text.matches("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")) {
                    throw new IllegalArgumentException("not a UUID: " + ConfigText.quote(text));
                }
                return java.util.UUID.fromString(text);
            });
        }
        long idle = t.udpIdleTimeoutS();
        if (idle < 1 || idle > MAX_UDP_IDLE_TIMEOUT_S) {
            problem("transport.udp_idle_timeout_s", "must be 1.." + MAX_UDP_IDLE_TIMEOUT_S + ", got " + idle);
        }
        return new ClientConfig.Transport("vless", vlessServer, uuid, t.mptcp(), Duration.ofSeconds(idle));
    }

    private ClientConfig.Server server(ConfigFile.ServerFile s) {
        if (s == null) {
            problem("server", "required: an object with \"address\" and \"pin\"");
            return null;
        }
        HostPort address = null;
        if (s.address() == null) {
            problem("server.address", "required: HOST:PORT of the bond server");
        } else {
            address = parse("server.address", s.address(), HostPort::parse);
        }
        CertificatePin pin = null;
        if (s.pin() == null) {
            problem("server.pin", "required: the server's key pin, \"sha256/...\" (bond-server prints it)");
        } else {
            pin = parse("server.pin", s.pin(), CertificatePin::parse);
        }
        String name = s.serverName();
        parse("server.server_name", name, n -> {
            HostPort.checkHostName(n);
            return n;
        });
        return new ClientConfig.Server(address, pin, name);
    }

    private String user(String user) {
        if (user == null) {
            problem("user", "required");
            return null;
        }
        if (user.isEmpty() || user.getBytes(UTF_8).length > MAX_LOGIN_FIELD) {
            problem("user", "must be 1.." + MAX_LOGIN_FIELD + " bytes");
        } else if (user.codePoints().anyMatch(cp -> Character.isISOControl(cp) || Character.isWhitespace(cp))) {
            problem("user", "must not contain spaces or control characters: " + ConfigText.quote(user));
        }
        return user;
    }

    private String secret(String secret) {
        if (secret == null) {
            problem("secret", "required: the base64url secret that bond-server gave for this user");
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(secret);
        } catch (IllegalArgumentException e) {
            // The message must not quote the secret.
            problem("secret", "not base64url text (letters, digits, '-' and '_', optionally '=' padded)");
            return secret;
        }
        if (raw.length == 0 || raw.length > MAX_LOGIN_FIELD) {
            problem("secret", "must decode to 1.." + MAX_LOGIN_FIELD + " bytes, got " + raw.length);
        }
        return secret;
    }

    private static final java.util.Set<String> CONGESTION_CONTROLS = java.util.Set.of("bbr", "cubic", "reno");

    private List<ClientConfig.Uplink> uplinks(List<UplinkFile> list, ClientConfig.Server server, String engine) {
        List<ClientConfig.Uplink> out = new ArrayList<>();
        if (list.isEmpty()) {
            problem("uplinks", "at least one uplink is required, e.g. [{\"name\": \"wan0\"}]");
            return out;
        }
        Map<String, Integer> names = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "uplinks[" + i + "]";
            UplinkFile u = list.get(i);
            if (u == null) {
                problem(path, "must be an object");
                continue;
            }
            if (u.name() == null) {
                problem(path + ".name", "required");
            } else if (!UPLINK_NAME.matcher(u.name()).matches()) {
                problem(path + ".name", "must be 1..32 of A-Z a-z 0-9 . _ -, got " + ConfigText.quote(u.name()));
            } else {
                Integer first = names.putIfAbsent(u.name(), i);
                if (first != null) {
                    problem(path + ".name", ConfigText.quote(u.name()) + " is already the name of uplinks[" + first + "]");
                }
            }
            InetAddress bind = null;
            if (u.bindAddress() != null) {
                bind = parse(path + ".bind_address", u.bindAddress(), IpLiterals::toInetAddress);
            }
            if (u.bindInterface() != null && !INTERFACE_NAME.matcher(u.bindInterface()).matches()) {
                problem(path + ".interface", "not an interface name: " + ConfigText.quote(u.bindInterface())
                        + " (1..15 of A-Z a-z 0-9 . _ : @ -)");
            }
            HostPort uplinkServer = null;
            if (u.server() != null) {
                uplinkServer = parse(path + ".server", u.server(), HostPort::parse);
            }
            HostPort target = uplinkServer != null ? uplinkServer : server != null ? server.address() : null;
            if (bind != null && target != null && target.isIpLiteral()
                    && (bind instanceof Inet4Address) != (IpLiterals.toInetAddress(target.host()) instanceof Inet4Address)) {
                problem(path + ".bind_address", ConfigText.quote(u.bindAddress()) + " cannot reach server "
                        + target + ": the address families differ");
            }
            double weight = u.weight();
            if (!(weight >= UplinkTuning.MIN_WEIGHT && weight <= UplinkTuning.MAX_WEIGHT)) {
                problem(path + ".weight", "must be within 0.01..100, got " + weight);
                weight = 1.0;
            }
            long up = rateCap(path + ".max_up_mbit", u.maxUpMbit());
            long down = rateCap(path + ".max_down_mbit", u.maxDownMbit());
            ClientConfig.Budget budget = budget(path + ".budget", u.budget());
            String cc = u.congestionControl() == null ? null : u.congestionControl().toLowerCase(java.util.Locale.ROOT);
            if (cc != null && !CONGESTION_CONTROLS.contains(cc)) {
                problem(path + ".congestion_control", "must be bbr, cubic or reno, got " + ConfigText.quote(cc));
                cc = null;
            } else if (cc != null && "kwik".equals(engine) && !KwikEngine.CONGESTION_CONTROLS.contains(cc)) {
                problem(path + ".congestion_control", "the kwik engine has bbr (its delivery-rate window) and reno,"
                        + " got " + ConfigText.quote(cc) + "; use \"engine\": \"quiche\" for cubic");
                cc = null;
            }
            range(path + ".mark", u.mark(), 0, 0xFFFF_FFFFL);
            long mark = u.mark() >= 0 && u.mark() <= 0xFFFF_FFFFL ? u.mark() : 0;
            range(path + ".max_udp_payload", u.maxUdpPayload(), ClientLinkSpec.MIN_UDP_PAYLOAD,
                    ClientLinkSpec.MAX_UDP_PAYLOAD);
            int payload = u.maxUdpPayload() >= ClientLinkSpec.MIN_UDP_PAYLOAD
                    && u.maxUdpPayload() <= ClientLinkSpec.MAX_UDP_PAYLOAD ? u.maxUdpPayload()
                    : ClientConfig.Uplink.DEFAULT_MAX_UDP_PAYLOAD;
            if ("kwik".equals(engine) && payload != ClientConfig.Uplink.DEFAULT_MAX_UDP_PAYLOAD) {
                problem(path + ".max_udp_payload", "the kwik engine keeps its own packet size, got " + payload
                        + "; use \"engine\": \"quiche\" to set it");
                payload = ClientConfig.Uplink.DEFAULT_MAX_UDP_PAYLOAD;
            }
            out.add(new ClientConfig.Uplink(u.name(), bind, u.bindInterface(), uplinkServer, u.primary(), u.enabled(),
                    weight, up, down, budget, cc, mark, payload));
        }
        return out;
    }

    /** Mbit/s as written to bits per second; 0 = no cap. */
    private long rateCap(String path, double mbit) {
        if (!(mbit >= 0 && mbit <= 1_000_000)) {
            problem(path, "must be 0 (no cap) .. 1000000 Mbit/s, got " + mbit);
            return 0;
        }
        long bits = Math.round(mbit * 1e6);
        if (mbit > 0 && bits < 8_000) {
            problem(path, "below the smallest cap of 0.008 Mbit/s (1 kB/s): " + mbit);
            return 0;
        }
        return bits;
    }

    private ClientConfig.Budget budget(String path, ConfigFile.BudgetFile b) {
        if (b == null) {
            return null;
        }
        if (b.gigabytes() == null) {
            problem(path + ".gigabytes", "required, e.g. 20");
            return null;
        }
        if (!(b.gigabytes() > 0 && b.gigabytes() <= 1e9)) {
            problem(path + ".gigabytes", "must be above 0 and at most 10^9, got " + b.gigabytes());
            return null;
        }
        BudgetPeriod period;
        try {
            period = BudgetPeriod.parse(b.period());
        } catch (IllegalArgumentException e) {
            problem(path + ".period", e.getMessage());
            return null;
        }
        int day = b.resetDay();
        if (day < 1 || day > period.maxResetDay()) {
            problem(path + ".reset_day", "must be 1.." + period.maxResetDay() + " for a " + period.name().toLowerCase(
                    java.util.Locale.ROOT) + ", got " + day);
            return null;
        }
        return new ClientConfig.Budget(Math.round(b.gigabytes() * 1e9), period, day);
    }

    private ClientConfig.Socks5 socks5(Socks5File s) {
        if (s == null) {
            return null;
        }
        InetSocketAddress listen = listen("socks5.listen", s.listen(), tcpListeners);
        if ((s.username() == null) != (s.password() == null)) {
            problem(s.username() == null ? "socks5.username" : "socks5.password",
                    "username and password go together: give both or neither");
        }
        if (s.username() != null && (s.username().isEmpty() || s.username().getBytes(UTF_8).length > 255)) {
            // RFC 1929 §2: "The ULEN field contains the length of the UNAME field".
            problem("socks5.username", "must be 1..255 bytes (RFC 1929)");
        }
        if (s.password() != null && (s.password().isEmpty() || s.password().getBytes(UTF_8).length > 255)) {
            problem("socks5.password", "must be 1..255 bytes (RFC 1929)");
        }
        long timeout = s.handshakeTimeoutMs();
        if (timeout < 1 || timeout > MAX_HANDSHAKE_TIMEOUT_MS) {
            problem("socks5.handshake_timeout_ms", "must be 1.." + MAX_HANDSHAKE_TIMEOUT_MS + ", got " + timeout);
        }
        return new ClientConfig.Socks5(listen, s.username(), s.password(), Duration.ofMillis(timeout));
    }

    private List<ClientConfig.Forward> forwards(List<ForwardFile> list) {
        List<ClientConfig.Forward> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String path = "forwards[" + i + "]";
            ForwardFile f = list.get(i);
            if (f == null) {
                problem(path, "must be an object");
                continue;
            }
            ClientConfig.ForwardProtocol protocol = null;
            if (f.protocol() == null) {
                problem(path + ".protocol", "required: \"tcp\" or \"udp\"");
            } else {
                switch (f.protocol().toLowerCase(Locale.ROOT)) {
                    case "tcp" -> protocol = ClientConfig.ForwardProtocol.TCP;
                    case "udp" -> protocol = ClientConfig.ForwardProtocol.UDP;
                    default -> problem(path + ".protocol", "must be \"tcp\" or \"udp\", got " + ConfigText.quote(f.protocol()));
                }
            }
            InetSocketAddress listen = null;
            if (f.listen() == null) {
                problem(path + ".listen", "required: IP:PORT to listen on");
            } else {
                listen = listen(path + ".listen", f.listen(),
                        protocol == ClientConfig.ForwardProtocol.UDP ? udpListeners : tcpListeners);
            }
            Destination to = null;
            if (f.to() == null) {
                problem(path + ".to", "required: HOST:PORT to forward to");
            } else {
                HostPort hp = parse(path + ".to", f.to(), HostPort::parse);
                to = hp == null ? null : parse(path + ".to", hp.host(), h -> new Destination(h, hp.port()));
            }
            out.add(new ClientConfig.Forward(protocol, listen, to));
        }
        return out;
    }

    private ClientConfig.PolicyConfig policy(PolicyFile p) {
        Policy defaultPolicy = parse("policy.default", p.defaultPolicy(), Policy::parse);
        List<PolicyRule> rules = new ArrayList<>();
        for (int i = 0; i < p.rules().size(); i++) {
            String path = "policy.rules[" + i + "]";
            RuleFile r = p.rules().get(i);
            if (r == null) {
                problem(path, "must be an object");
                continue;
            }
            PolicyRule.Protocol protocol = switch (r.protocol().toLowerCase(Locale.ROOT)) {
                case "tcp" -> PolicyRule.Protocol.TCP;
                case "udp" -> PolicyRule.Protocol.UDP;
                case "any" -> PolicyRule.Protocol.ANY;
                default -> {
                    problem(path + ".protocol", "must be \"tcp\", \"udp\" or \"any\", got " + ConfigText.quote(r.protocol()));
                    yield null;
                }
            };
            PortRanges ports = r.ports() == null ? null : parse(path + ".ports", r.ports(), PortRanges::parse);
            List<Cidr> cidrs = new ArrayList<>();
            for (int j = 0; j < r.cidr().size(); j++) {
                String c = r.cidr().get(j);
                if (c == null) {
                    problem(path + ".cidr[" + j + "]", "must be a string such as \"10.0.0.0/8\"");
                    continue;
                }
                Cidr parsed = parse(path + ".cidr[" + j + "]", c, Cidr::parse);
                if (parsed != null) {
                    cidrs.add(parsed);
                }
            }
            List<DomainSuffix> suffixes = new ArrayList<>();
            for (int j = 0; j < r.domainSuffix().size(); j++) {
                String d = r.domainSuffix().get(j);
                if (d == null) {
                    problem(path + ".domain_suffix[" + j + "]", "must be a string such as \"example.com\"");
                    continue;
                }
                DomainSuffix parsed = parse(path + ".domain_suffix[" + j + "]", d, DomainSuffix::parse);
                if (parsed != null) {
                    suffixes.add(parsed);
                }
            }
            Policy policy = null;
            if (r.policy() == null) {
                problem(path + ".policy", "required: aggregate, lowest-latency, redundant or failover");
            } else {
                policy = parse(path + ".policy", r.policy(), Policy::parse);
            }
            if (protocol != null && policy != null) {
                rules.add(new PolicyRule(protocol, ports, cidrs, suffixes, policy));
            }
        }
        return defaultPolicy == null ? null : new ClientConfig.PolicyConfig(defaultPolicy, rules);
    }

    private ClientConfig.Bond bond(BondFile b) {
        range("bond.flow_window_bytes", b.flowWindowBytes(), MIN_BUFFER, MAX_BUFFER);
        range("bond.flow_send_buffer_bytes", b.flowSendBufferBytes(), MIN_BUFFER, MAX_BUFFER);
        range("bond.open_timeout_s", b.openTimeoutS(), 1, MAX_OPEN_TIMEOUT_S);
        range("bond.udp_idle_timeout_s", b.udpIdleTimeoutS(), 1, MAX_UDP_IDLE_TIMEOUT_S);
        return new ClientConfig.Bond(b.flowWindowBytes(), b.flowSendBufferBytes(), Duration.ofSeconds(b.openTimeoutS()),
                Duration.ofSeconds(b.udpIdleTimeoutS()));
    }

    static final Pattern NFT_TABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");

    private ClientConfig.Router router(ConfigFile.RouterFile r) {
        range("router.tproxy_port", r.tproxyPort(), 1, 65535);
        udpListeners.add(new Listener("router.tproxy_port", new InetSocketAddress(r.tproxyPort())));
        tcpListeners.add(new Listener("router.tproxy_port", new InetSocketAddress(r.tproxyPort())));
        if (r.lanInterfaces().isEmpty()) {
            problem("router.lan_interfaces", "at least one interface, e.g. [\"br-lan\"]");
        }
        for (int i = 0; i < r.lanInterfaces().size(); i++) {
            String name = r.lanInterfaces().get(i);
            if (name == null || !INTERFACE_NAME.matcher(name).matches()) {
                problem("router.lan_interfaces[" + i + "]", "not an interface name: " + ConfigText.quote(name));
            }
        }
        List<Cidr> bypass = new ArrayList<>();
        for (int i = 0; i < r.bypass().size(); i++) {
            String c = r.bypass().get(i);
            Cidr parsed = c == null ? null : parse("router.bypass[" + i + "]", c, Cidr::parse);
            if (c == null) {
                problem("router.bypass[" + i + "]", "must be a string such as \"203.0.113.0/24\"");
            } else if (parsed != null) {
                bypass.add(parsed);
            }
        }
        range("router.fwmark", r.fwmark(), 1, 0xFFFF_FFFFL);
        // 0 and 253..255 are the kernel's unspec, default, main and local tables.
        range("router.route_table", r.routeTable(), 1, Integer.MAX_VALUE);
        if (r.routeTable() >= 253 && r.routeTable() <= 255) {
            problem("router.route_table", "253, 254 and 255 are the kernel's default, main and local tables");
        }
        if (!NFT_TABLE_NAME.matcher(r.nftTable()).matches()) {
            problem("router.nft_table", "letters, digits and '_' (1..32, a letter first), got " + ConfigText.quote(r.nftTable()));
        }
        Destination resolver = null;
        if (!"original".equals(r.dns().resolver())) {
            HostPort hp = parse("router.dns.resolver", r.dns().resolver(), HostPort::parse);
            resolver = hp == null ? null : parse("router.dns.resolver", hp.host(), h -> new Destination(h, hp.port()));
        }
        InetSocketAddress dnsListen = null;
        if (r.dns().listen() != null) {
            dnsListen = listen("router.dns.listen", r.dns().listen(), udpListeners);
            if (dnsListen != null) {
                tcpListeners.add(new Listener("router.dns.listen", dnsListen));
            }
            if (resolver == null && "original".equals(r.dns().resolver())) {
                problem("router.dns.listen", "needs a router.dns.resolver to send the queries to (not \"original\")");
            }
        }
        return new ClientConfig.Router(r.tproxyPort(), r.lanInterfaces().stream().map(String::valueOf).toList(), bypass,
                r.fwmark(), (int) Math.clamp(r.routeTable(), 0, Integer.MAX_VALUE), r.ipv6(), r.nftTable(),
                r.dns().intercept(), resolver, dnsListen, r.failClosed());
    }

    private void range(String path, long value, long min, long max) {
        if (value < min || value > max) {
            problem(path, "must be " + min + ".." + max + ", got " + value);
        }
    }

    private InetSocketAddress listen(String path, String text, List<Listener> registry) {
        HostPort hp = parse(path, text, HostPort::parseListen);
        if (hp == null) {
            return null;
        }
        InetSocketAddress address = new InetSocketAddress(IpLiterals.toInetAddress(hp.host()), hp.port());
        registry.add(new Listener(path, address));
        return address;
    }

    /** Two listeners on one port clash when their addresses are equal or either is a wildcard. */
    private void clashes(List<Listener> listeners, String protocol) {
        for (int i = 0; i < listeners.size(); i++) {
            for (int j = 0; j < i; j++) {
                InetSocketAddress a = listeners.get(i).address();
                InetSocketAddress b = listeners.get(j).address();
                if (a.getPort() == 0 || a.getPort() != b.getPort()) {
                    continue;
                }
                if (a.getAddress().equals(b.getAddress()) || a.getAddress().isAnyLocalAddress()
                        || b.getAddress().isAnyLocalAddress()) {
                    problem(listeners.get(i).path(), protocol + " " + HostPort.format(a) + " clashes with "
                            + listeners.get(j).path() + " (" + HostPort.format(b) + ")");
                }
            }
        }
    }
}
