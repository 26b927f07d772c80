package io.quicbond.client;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.HostPort;
import io.quicbond.client.ingress.Ingress;
import io.quicbond.client.ingress.forward.TcpForwardIngress;
import io.quicbond.client.ingress.forward.TcpForwardSettings;
import io.quicbond.client.ingress.forward.UdpForwardIngress;
import io.quicbond.client.ingress.forward.UdpForwardSettings;
import io.quicbond.client.ingress.http.HttpProxyIngress;
import io.quicbond.client.ingress.http.HttpProxySettings;
import io.quicbond.client.ingress.socks5.Socks5Ingress;
import io.quicbond.client.ingress.socks5.Socks5Settings;
import io.quicbond.client.ingress.transparent.TransparentIngress;
import io.quicbond.client.ingress.transparent.TransparentSettings;
import io.quicbond.client.status.StatusDocument;
import io.quicbond.client.status.StatusServer;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.compat.vless.VlessClientTransport;
import io.quicbond.client.uplink.UplinkBudgets;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.session.BondClient;
import io.quicbond.transport.session.ClientStatus;
import io.quicbond.transport.session.UplinkSpec;
import io.quicbond.transport.session.UplinkTuning;
import io.quicbond.transport.tls.CertificatePin;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The client, wired from its configuration in one place: the bond ({@link BondClient} on the configured QUIC
 * engine, the server's key pinned, the policy rules as classifier), one uplink per configured uplink, the
 * ingresses (SOCKS5, HTTP proxy, port forwards) on the bond, and the local status endpoint.
 *
 * <p>{@link #start} binds every listener before any uplink connects, so a port already in use fails the start at
 * once and nothing is left running. Uplinks connect in the background and reconnect forever; {@link #awaitUplinks}
 * waits for them. The session logs uplink events ("uplink lte0 up", "... down: ...") at INFO itself; this class
 * adds a WARNING when an uplink cannot connect, once per new reason.
 *
 * <p>Threads: any thread may call any method; the threads it starts are the bond's, the ingresses' and the status
 * endpoint's (docs/concurrency.md). {@link #close()} stops them all; it never throws and is idempotent.
 */
public final class BondClientApp implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BondClientApp.class.getName());
    private static final Duration WATCH_INTERVAL = Duration.ofSeconds(1);

    private volatile ClientConfig config;
    /** Re-reads the configuration for a reload; set by whoever knows where it came from (the run command). */
    private volatile java.util.concurrent.Callable<ClientConfig> configReader;
    /** The bond; null in compat (VLESS) mode. */
    private final BondClient client;
    /** What every ingress hands its flows to: the bond, or the VLESS transport. */
    private final FlowTransport flows;
    private final VlessClientTransport vless;
    private final List<Ingress> ingresses = new ArrayList<>();
    /** router.dns.listen: UDP then TCP; empty when off. */
    private final List<Ingress> routerDns = new ArrayList<>();
    private Ingress socks5;
    private Ingress http;
    private Ingress transparent;
    private final List<Ingress> forwards = new ArrayList<>();
    private StatusServer statusServer;
    private Thread watcher;
    private Thread budgetKeeper;
    private Thread interfaceFollower;
    /**
     * The source address each uplink named by interface (and no bind_address) runs with; absent = not running,
     * because its interface is absent or has no address. Guarded by this app's lock.
     */
    private final Map<String, InetAddress> interfaceBound = new java.util.HashMap<>();
    private UplinkBudgets budgets;
    private static final long BUDGET_TICK = 2_000;
    private static final Duration BUDGET_SAVE_INTERVAL = Duration.ofMinutes(1);
    private volatile boolean closed;

    private BondClientApp(ClientConfig config, BondClient client, VlessClientTransport vless) {
        this.config = config;
        this.client = client;
        this.vless = vless;
        this.flows = client != null ? client : vless;
    }

    /**
     * Starts the client with the engine the config names (default {@code "quiche"}).
     *
     * @throws IOException when a listener cannot be bound (everything started so far is closed again)
     */
    public static BondClientApp start(ClientConfig config) throws IOException {
        return start(config, engine(config.engine()));
    }

    /**
     * Starts the client on a given QUIC engine (tests use this to put a lossy socket under the bond); the config's
     * {@code engine} is ignored.
     *
     * @throws IOException when a listener cannot be bound (everything started so far is closed again)
     */
    public static BondClientApp start(ClientConfig config, QuicEngine engine) throws IOException {
        return start(config, engine, null);
    }

    /**
     * Starts the client with the config's engine, keeping data budget use in {@code stateFile} (null = budgets count
     * from 0 at every start).
     */
    public static BondClientApp start(ClientConfig config, Path stateFile) throws IOException {
        if (config.transport().isVless()) {
            return startVless(config);
        }
        return start(config, engine(config.engine()), stateFile);
    }

    public static BondClientApp start(ClientConfig config, QuicEngine engine, Path stateFile) throws IOException {
        if (config.transport().isVless()) {
            return startVless(config);
        }
        BondClient client = new BondClient(engine, config.user(), config.secretBytes(),
                CertificatePin.pinningTrustManager(config.server().pin()), config.server().serverName(),
                config.bond().settings(config.policy().defaultPolicy()), config.policy().classifier());
        BondClientApp app = new BondClientApp(config, client, null);
        app.budgets = new UplinkBudgets(stateFile, InstantSource.system(), ZoneId.systemDefault(), client::bytesCarried,
                app::budgetChanged);
        try {
            app.startListeners();
            synchronized (app) {
                for (ClientConfig.Uplink u : config.uplinks()) {
                    if (u.enabled() && app.interfaceReady(u)) {
                        client.addUplink(app.spec(config, u));
                    }
                }
            }
            app.budgets.configure(config.uplinks());
            app.watcher = Thread.ofVirtual().name("uplink-watcher").start(app::watchConnectErrors);
            app.interfaceFollower = Thread.ofVirtual().name("interface-follower").start(app::followInterfaces);
            app.budgetKeeper = Thread.ofVirtual().name("budget-keeper").start(app::keepBudgets);
        } catch (IOException | RuntimeException e) {
            app.close();
            throw e;
        }
        return app;
    }

    /** Compat mode: every flow is a VLESS connection to the configured server (no bond, no uplinks connected). */
    private static BondClientApp startVless(ClientConfig config) throws IOException {
        ClientConfig.Transport t = config.transport();
        VlessClientTransport transport = new VlessClientTransport(t.server().host(), t.server().port(), t.uuid(),
                t.mptcp(), config.bond().openTimeout(), t.udpIdleTimeout());
        BondClientApp app = new BondClientApp(config, null, transport);
        try {
            app.startListeners();
        } catch (IOException | RuntimeException e) {
            app.close();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "compat mode: every flow goes as VLESS to " + t.server()
                + (t.mptcp() ? " over MPTCP" : " over TCP"));
        return app;
    }

    private static QuicEngine engine(String name) {
        return io.quicbond.transport.engine.QuicEngines.create(name);
    }

    private void startListeners() throws IOException {
        if (config.socks5() != null) {
            ClientConfig.Socks5 s = config.socks5();
            Map<String, String> users = s.username() == null ? Map.of() : Map.of(s.username(), s.password());
            socks5 = started(new Socks5Ingress(new Socks5Settings(s.listen(), users, s.handshakeTimeout()), flows));
        }
        if (config.http() != null) {
            http = started(new HttpProxyIngress(new HttpProxySettings(config.http().listen()), flows));
        }
        for (ClientConfig.Forward f : config.forwards()) {
            forwards.add(started(switch (f.protocol()) {
                case TCP -> new TcpForwardIngress(new TcpForwardSettings(f.listen(), f.to()), flows);
                case UDP -> new UdpForwardIngress(new UdpForwardSettings(f.listen(), f.to(),
                        config.bond().udpIdleTimeout()), flows);
            }));
        }
        if (config.router() != null) {
            ClientConfig.Router r = config.router();
            transparent = started(new TransparentIngress(new TransparentSettings(r.tproxyPort(), r.ipv6(),
                    r.dnsIntercept() ? r.dnsResolver() : null, config.bond().udpIdleTimeout()), flows));
            if (r.dnsListen() != null) {
                // The router's own resolver (OpenWrt's dnsmasq) asks here, and its queries leave through the bond.
                routerDns.add(started(new UdpForwardIngress(new UdpForwardSettings(r.dnsListen(), r.dnsResolver(),
                        config.bond().udpIdleTimeout()), flows)));
                routerDns.add(started(new TcpForwardIngress(new TcpForwardSettings(r.dnsListen(), r.dnsResolver()),
                        flows)));
            }
        }
        statusServer = StatusServer.start(config.statusListen(), this::status, this::reloadFromSource);
    }

    private Ingress started(Ingress ingress) throws IOException {
        ingresses.add(ingress);
        ingress.start();
        return ingress;
    }

    /**
     * The uplink as the bond runs it. With an interface and no bind address, the interface's address at this moment
     * is the source address (IPv4 first unless the server is an IPv6 literal); an interface that is absent or has
     * no address leaves the source to the routing table, with a warning.
     */
    static UplinkSpec uplinkSpec(ClientConfig config, ClientConfig.Uplink u) {
        HostPort server = config.serverFor(u);
        InetAddress bind = u.bindAddress();
        if (bind == null && u.bindInterface() != null) {
            boolean wantV6 = server.isIpLiteral() && server.toSocketAddress().getAddress() instanceof java.net.Inet6Address;
            bind = interfaceAddress(u.bindInterface(), wantV6).orElse(null);
            if (bind == null) {
                LOG.log(System.Logger.Level.WARNING, "uplink " + u.name() + ": interface " + u.bindInterface()
                        + " is absent or has no " + (wantV6 ? "IPv6" : "IPv4") + " address; its traffic follows the"
                        + " routing table (set bind_address to pin it)");
            } else {
                LOG.log(System.Logger.Level.INFO, "uplink " + u.name() + ": bound to " + bind.getHostAddress()
                        + " of interface " + u.bindInterface());
            }
        }
        return new UplinkSpec(u.name(), server.toSocketAddress(), bind, u.bindInterface(), tuning(u),
                u.congestionControl(), u.mark(), u.maxUdpPayload());
    }

    /** Tier, weight and caps as configured. */
    static UplinkTuning tuning(ClientConfig.Uplink u) {
        return new UplinkTuning(u.primary(), u.weight(), u.upBitsPerSecond(), u.downBitsPerSecond());
    }

    /** The spec {@code u} ran with when its interface had {@code address}. */
    private UplinkSpec specFrom(ClientConfig c, ClientConfig.Uplink u, InetAddress address) {
        UplinkSpec spec = new UplinkSpec(u.name(), c.serverFor(u).toSocketAddress(), address, u.bindInterface(), tuning(u),
                u.congestionControl(), u.mark(), u.maxUdpPayload());
        return budgets.exhausted(u.name()) ? spec.withTuning(spec.tuning().withPrimary(false)) : spec;
    }

    /** The uplink as configured, made a backup while its data budget is used up. */
    private UplinkSpec spec(ClientConfig c, ClientConfig.Uplink u) {
        UplinkSpec spec = uplinkSpec(c, u);
        return budgets.exhausted(u.name()) ? spec.withTuning(spec.tuning().withPrimary(false)) : spec;
    }

    private void budgetChanged(String name, boolean exhausted, UplinkBudgets.Usage usage) {
        ClientConfig.Uplink u = config.uplinks().stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
        if (u == null) {
            return;
        }
        if (exhausted) {
            LOG.log(System.Logger.Level.WARNING, "uplink " + name + " used its data budget (" + usage.usedBytes()
                    + " of " + usage.budgetBytes() + " bytes since " + usage.periodStart()
                    + "): it serves only as a backup until " + usage.periodEnd());
        } else {
            LOG.log(System.Logger.Level.INFO, "uplink " + name + ": data budget available again");
        }
        client.retune(name, tuning(u).withPrimary(u.primary() && !exhausted));
    }

    /** Counts budget use every few seconds and saves it every minute (and at close). */
    private void keepBudgets() {
        long lastSave = System.nanoTime();
        while (!closed) {
            try {
                Thread.sleep(BUDGET_TICK);
            } catch (InterruptedException e) {
                return;
            }
            budgets.tick();
            if (System.nanoTime() - lastSave > BUDGET_SAVE_INTERVAL.toNanos()) {
                budgets.save();
                lastSave = System.nanoTime();
            }
        }
    }

    /** An uplink named by interface alone: it follows that interface's address, and runs only while there is one. */
    private static boolean followsInterface(ClientConfig.Uplink u) {
        return u.bindInterface() != null && u.bindAddress() == null;
    }

    private static Optional<InetAddress> interfaceAddress(ClientConfig c, ClientConfig.Uplink u) {
        HostPort server = c.serverFor(u);
        boolean wantV6 = server.isIpLiteral() && server.toSocketAddress().getAddress() instanceof java.net.Inet6Address;
        return interfaceAddress(u.bindInterface(), wantV6);
    }

    /**
     * Whether {@code u} can run now: always, unless it follows an interface that has no address. Records the address
     * it will run with. Called with this app's lock held.
     */
    private boolean interfaceReady(ClientConfig.Uplink u) {
        if (!followsInterface(u)) {
            return true;
        }
        Optional<InetAddress> address = interfaceAddress(config, u);
        if (address.isEmpty()) {
            interfaceBound.remove(u.name());
            LOG.log(System.Logger.Level.INFO, "uplink " + u.name() + ": waiting for interface " + u.bindInterface()
                    + " to have an address");
            return false;
        }
        interfaceBound.put(u.name(), address.get());
        return true;
    }

    /**
     * Once a second: an uplink named by interface is added when its interface gets an address, reconnected from the
     * new address when the address changes (DHCP), and removed when the interface or its address goes. Flows stay
     * up throughout; their unacknowledged data moves to the other uplinks, as on a reload.
     */
    private void followInterfaces() {
        while (!closed) {
            try {
                Thread.sleep(WATCH_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (closed) {
                    return;
                }
                for (ClientConfig.Uplink u : config.uplinks()) {
                    if (!u.enabled() || !followsInterface(u)) {
                        continue;
                    }
                    InetAddress was = interfaceBound.get(u.name());
                    InetAddress now = interfaceAddress(config, u).orElse(null);
                    if (java.util.Objects.equals(was, now)) {
                        continue;
                    }
                    if (was != null) {
                        client.removeUplink(u.name());
                        interfaceBound.remove(u.name());
                    }
                    if (now == null) {
                        LOG.log(System.Logger.Level.INFO, "uplink " + u.name() + ": interface " + u.bindInterface()
                                + " lost its address " + was.getHostAddress() + "; uplink removed until it has one");
                    } else {
                        interfaceBound.put(u.name(), now);
                        client.addUplink(spec(config, u));
                        LOG.log(System.Logger.Level.INFO, "uplink " + u.name() + ": interface " + u.bindInterface()
                                + (was == null ? " has address " : " moved to ") + now.getHostAddress()
                                + (was == null ? "; uplink added" : "; uplink reconnected from it"));
                    }
                }
            }
        }
    }

    private static Optional<InetAddress> interfaceAddress(String name, boolean wantV6) {
        try {
            NetworkInterface nif = NetworkInterface.getByName(name);
            if (nif == null) {
                return Optional.empty();
            }
            return Collections.list(nif.getInetAddresses()).stream()
                    .filter(a -> (a instanceof Inet4Address) != wantV6)
                    .filter(a -> !a.isLinkLocalAddress())
                    .findFirst();
        } catch (SocketException e) {
            return Optional.empty();
        }
    }

    /**
     * Logs why an uplink cannot connect (a wrong pin, an unreachable server), once per new reason: the bond itself
     * logs connect failures at debug level only, and the session's events start when an uplink is up.
     */
    private void watchConnectErrors() {
        Map<String, String> logged = new java.util.HashMap<>();
        while (!closed) {
            for (ClientStatus.ConfiguredUplink u : client.status().configured()) {
                String error = "connecting".equals(u.state()) ? u.lastError() : null;
                if (error != null && !error.equals(logged.get(u.name()))) {
                    String server = config.uplinks().stream().filter(c -> c.name().equals(u.name())).findFirst()
                            .map(c -> config.serverFor(c).toString()).orElse(u.server());
                    LOG.log(System.Logger.Level.WARNING, "uplink " + u.name() + " not connected to " + server + ": " + error);
                }
                logged.put(u.name(), error);
            }
            try {
                Thread.sleep(WATCH_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Tells the app how to re-read its configuration, which enables {@link #reloadFromSource()}. */
    public void setConfigReader(java.util.concurrent.Callable<ClientConfig> reader) {
        this.configReader = reader;
    }

    /**
     * What a reload changed: uplinks added, removed, and restarted (their settings changed); flows stay up, their
     * data moves to the remaining uplinks. Other changes (ingress, server, user) need a restart.
     */
    public record ReloadResult(List<String> added, List<String> removed, List<String> restarted, List<String> retuned,
                               boolean restartNeededForOtherChanges, String error, List<String> applied,
                               List<String> restartNeededFor) {
        public ReloadResult(List<String> added, List<String> removed, List<String> restarted, List<String> retuned,
                            boolean restartNeededForOtherChanges, String error) {
            this(added, removed, restarted, retuned, restartNeededForOtherChanges, error, List.of(), List.of());
        }
    }

    /** Re-reads the configuration (SIGHUP, `bond-client reload`) and applies its uplinks. Thread-safe. */
    public synchronized ReloadResult reloadFromSource() {
        java.util.concurrent.Callable<ClientConfig> reader = configReader;
        if (reader == null) {
            return new ReloadResult(List.of(), List.of(), List.of(), List.of(), false, "this client was not started from a config file");
        }
        ClientConfig fresh;
        try {
            fresh = reader.call();
        } catch (Exception e) {
            return new ReloadResult(List.of(), List.of(), List.of(), List.of(), false, "config not reloaded: " + e.getMessage());
        }
        return reloadUplinks(fresh);
    }

    /**
     * Applies {@code fresh}'s uplinks: adds new (and newly enabled) ones, removes missing (and disabled) ones,
     * retunes those whose tier, weight or caps changed, and restarts those whose address or server changed.
     */
    public synchronized ReloadResult reloadUplinks(ClientConfig fresh) {
        if (client == null) {
            return reloadVless(fresh);
        }
        java.util.Map<String, UplinkSpec> before = new java.util.LinkedHashMap<>();
        for (ClientConfig.Uplink u : config.uplinks()) {
            if (u.enabled() && (!followsInterface(u) || interfaceBound.containsKey(u.name()))) {
                before.put(u.name(), followsInterface(u) ? specFrom(config, u, interfaceBound.get(u.name())) : spec(config, u));
            }
        }
        List<String> added = new ArrayList<>();
        List<String> removed = new ArrayList<>();
        List<String> restarted = new ArrayList<>();
        List<String> retuned = new ArrayList<>();
        java.util.Set<String> kept = new java.util.HashSet<>();
        ClientConfig previous = config;
        config = fresh; // budget events during the reload look up the fresh uplinks
        budgets.configure(fresh.uplinks());
        for (ClientConfig.Uplink u : fresh.uplinks()) {
            if (!u.enabled() || !interfaceReady(u)) {
                continue;
            }
            UplinkSpec spec = spec(fresh, u);
            UplinkSpec old = before.get(u.name());
            kept.add(u.name());
            if (old == null) {
                client.addUplink(spec);
                added.add(u.name());
            } else if (spec.needsReconnectFrom(old)) {
                client.removeUplink(u.name());
                client.addUplink(spec);
                restarted.add(u.name());
            } else if (!old.tuning().equals(spec.tuning())) {
                client.retune(u.name(), spec.tuning());
                retuned.add(u.name());
            }
        }
        for (String name : before.keySet()) {
            if (!kept.contains(name)) {
                interfaceBound.remove(name);
                client.removeUplink(name);
                removed.add(name);
            }
        }
        boolean other = !java.util.Objects.equals(fresh.server(), previous.server()) || !fresh.user().equals(previous.user())
                || !java.util.Objects.equals(fresh.socks5(), previous.socks5()) || !java.util.Objects.equals(fresh.http(), previous.http())
                || !java.util.Objects.equals(fresh.forwards(), previous.forwards()) || !fresh.policy().equals(previous.policy());
        LOG.log(System.Logger.Level.INFO, "reload: added " + added + ", removed " + removed + ", restarted " + restarted
                + ", retuned " + retuned + (other ? "; other changes need a restart" : ""));
        return new ReloadResult(added, removed, restarted, retuned, other, null);
    }

    /**
     * Compat mode's reload: a new VLESS server, UUID or MPTCP choice applies to every connection opened from now on
     * (open ones stay where they are); anything else that changed is listed as needing a restart.
     */
    private ReloadResult reloadVless(ClientConfig fresh) {
        List<String> applied = new ArrayList<>();
        List<String> restart = new ArrayList<>();
        ClientConfig.Transport t = fresh.transport();
        if (!t.isVless()) {
            restart.add("transport.type (vless to " + t.type() + ")");
        } else {
            VlessClientTransport.Target before = vless.target();
            VlessClientTransport.Target next = new VlessClientTransport.Target(t.server().host(), t.server().port(),
                    t.uuid(), t.mptcp());
            if (!before.host().equals(next.host()) || before.port() != next.port()) {
                applied.add("transport.server " + before + " -> " + next);
            }
            if (!before.user().equals(next.user())) {
                applied.add("transport.uuid");
            }
            if (before.mptcp() != next.mptcp()) {
                applied.add("transport.mptcp " + before.mptcp() + " -> " + next.mptcp());
            }
            vless.retarget(next);
            if (!t.udpIdleTimeout().equals(config.transport().udpIdleTimeout())) {
                restart.add("transport.udp_idle_timeout_s");
            }
        }
        ClientConfig previous = config;
        if (!java.util.Objects.equals(fresh.socks5(), previous.socks5())) {
            restart.add("socks5");
        }
        if (!java.util.Objects.equals(fresh.http(), previous.http())) {
            restart.add("http");
        }
        if (!java.util.Objects.equals(fresh.forwards(), previous.forwards())) {
            restart.add("forwards");
        }
        if (!java.util.Objects.equals(fresh.router(), previous.router())) {
            restart.add("router");
        }
        if (!fresh.bond().equals(previous.bond())) {
            restart.add("bond");
        }
        LOG.log(System.Logger.Level.INFO, "reload (compat mode): applied " + applied
                + (restart.isEmpty() ? "" : "; needs a restart: " + restart));
        return new ReloadResult(List.of(), List.of(), List.of(), List.of(), !restart.isEmpty(), null, applied, restart);
    }

    public ClientConfig config() {
        return config;
    }

    /** The bond: the {@link io.quicbond.transport.FlowTransport} every ingress uses; null in compat mode. */
    public BondClient transport() {
        return client;
    }

    /** The VLESS transport in compat mode; null with the bond. */
    public VlessClientTransport vlessTransport() {
        return vless;
    }

    /** Where the SOCKS5 ingress listens (the real port when the config said 0); null when it is off. */
    public InetSocketAddress socks5Address() {
        return socks5 == null ? null : socks5.boundAddress();
    }

    /** Where the HTTP proxy listens; null when it is off. */
    public InetSocketAddress httpAddress() {
        return http == null ? null : http.boundAddress();
    }

    /** Where the transparent (router mode) ingress listens; null when router mode is off. */
    public InetSocketAddress transparentAddress() {
        return transparent == null ? null : transparent.boundAddress();
    }

    /** Where each port forward listens, in configuration order. */
    public List<InetSocketAddress> forwardAddresses() {
        return forwards.stream().map(Ingress::boundAddress).toList();
    }

    /** Where the status endpoint listens. */
    public InetSocketAddress statusAddress() {
        return statusServer.address();
    }

    /** Blocks until at least {@code count} uplinks are up or the timeout passes; returns whether they are. */
    public boolean awaitUplinks(int count, Duration timeout) throws InterruptedException {
        if (client == null) {
            return count == 0;
        }
        return client.awaitUplinks(count, timeout);
    }

    /** What {@code GET /status} shows. */
    public StatusDocument status() {
        List<StatusDocument.Forward> fw = new ArrayList<>();
        for (int i = 0; i < forwards.size(); i++) {
            ClientConfig.Forward f = config.forwards().get(i);
            fw.add(new StatusDocument.Forward(f.protocol().name().toLowerCase(Locale.ROOT),
                    HostPort.format(forwards.get(i).boundAddress()), HostPort.of(f.to()).toString()));
        }
        StatusDocument.Transparent tp = null;
        if (transparent instanceof TransparentIngress t) {
            ClientConfig.Router r = config.router();
            TransparentIngress.Counts n = t.counts();
            tp = new StatusDocument.Transparent(HostPort.format(n.listen()), n.ipv6(), n.tcpOpen(), n.tcpAccepted(),
                    n.udpOpen(), n.udpStarted(), routerDns.isEmpty() ? null : HostPort.format(routerDns.getFirst()
                    .boundAddress()), !r.dnsIntercept() ? null
                    : r.dnsResolver() == null ? "original" : HostPort.of(r.dnsResolver()).toString());
        }
        StatusDocument.Ingresses in = new StatusDocument.Ingresses(HostPort.format(socks5Address()),
                HostPort.format(httpAddress()), fw, statusServer == null ? null : HostPort.format(statusServer.address()),
                tp);
        if (client == null) {
            VlessClientTransport.Target t = vless.target();
            return new StatusDocument(null, List.of(), in, List.of(), new StatusDocument.Vless(t.toString(), t.mptcp(),
                    vless.connections(), vless.mptcpConnections()));
        }
        return StatusDocument.of(client.status(), in, budgets == null ? List.of() : budgets.status());
    }

    /** Stops the status endpoint, the ingresses (their connections and flows end) and the bond. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (interfaceFollower != null) {
            interfaceFollower.interrupt();
        }
        if (watcher != null) {
            watcher.interrupt();
        }
        if (budgetKeeper != null) {
            budgetKeeper.interrupt();
        }
        if (budgets != null) {
            budgets.tick();
            budgets.save();
        }
        if (statusServer != null) {
            statusServer.close();
        }
        for (Ingress i : ingresses.reversed()) {
            i.close();
        }
        if (client != null) {
            client.close();
        }
    }
}
