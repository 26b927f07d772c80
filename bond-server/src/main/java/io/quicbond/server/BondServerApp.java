package io.quicbond.server;

import io.quicbond.server.auth.UserStoreAuthenticator;
import io.quicbond.server.compat.VlessServer;
import io.quicbond.server.config.ConfigException;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.egress.Resolver;
import io.quicbond.server.egress.SocketEgress;
import io.quicbond.server.status.StatusReport;
import io.quicbond.server.status.StatusServer;
import io.quicbond.server.users.LoginThrottle;
import io.quicbond.server.users.UserRates;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.frame.FrameCodec;
import io.quicbond.transport.session.BondServer;
import io.quicbond.transport.session.SessionStatus;
import io.quicbond.transport.tls.ServerIdentity;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Logger;

/**
 * The bond server as one object: from a {@link ServerConfig} to a running QUIC listener, egress, user store and
 * status endpoint, and back down with {@link #close()}. The {@code run} command, tests and the demo all start the
 * server through here.
 *
 * <p>What runs: the {@link BondServer} on {@link ServerConfig#listen()} (engine kwik, the certificate and key from
 * the config, QUIC idle timeout {@code bond.idle_timeout_s}, a {@value #RECEIVE_WINDOW}-byte receive window), logins
 * checked by a {@link UserStoreAuthenticator} (users file re-read when it changes: on a login, and by a watcher
 * thread once a second; removed users' sessions are ended), {@link SocketEgress} with the config's egress policy,
 * and the {@link StatusServer} on {@link ServerConfig#statusListen()}.
 *
 * <p>Threads: the engine's and the bond server's own (docs/concurrency.md), one virtual thread per status request,
 * and one virtual thread {@code users-file-watch}. All methods are thread-safe; {@link #close()} is idempotent.
 */
public final class BondServerApp implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BondServerApp.class.getName());
    /** QUIC per-connection receive window, in bytes (16 MiB). */
    public static final long RECEIVE_WINDOW = 16 << 20;
    private static final String KEY_ALIAS = "bond";

    private final ServerConfig config;
    private final ServerIdentity identity;
    private final UserStore users;
    private final UserStoreAuthenticator authenticator;
    private final BondServer server;
    /** Set once by {@link #start}, before the app is returned. */
    private volatile StatusServer status;
    private final Thread watcher;
    private final List<VlessServer> vlessServers;
    private final InstantSource clock;
    private final Instant startedAt;
    private final AtomicBoolean closed = new AtomicBoolean();

    private BondServerApp(ServerConfig config, ServerIdentity identity, UserStore users,
                          UserStoreAuthenticator authenticator, BondServer server, List<VlessServer> vlessServers,
                          InstantSource clock, Instant startedAt) {
        this.vlessServers = vlessServers;
        this.config = config;
        this.identity = identity;
        this.users = users;
        this.authenticator = authenticator;
        this.server = server;
        this.clock = clock;
        this.startedAt = startedAt;
        this.watcher = Thread.ofVirtual().name("users-file-watch").unstarted(this::watchUsers);
    }

    /**
     * Starts everything the config describes; returns once the bond and status listeners are bound.
     *
     * @param configDir the directory relative file names in the config are resolved against (normally the config
     *                  file's own)
     * @throws ConfigException if the certificate, key or users file is missing or invalid, or the listen address
     *                         does not resolve; the message names the key and the file
     * @throws IOException     if a listener cannot be bound (address in use, no permission)
     */
    public static BondServerApp start(ServerConfig config, Path configDir) throws ConfigException, IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(configDir, "configDir");
        InstantSource clock = InstantSource.system();
        Instant startedAt = clock.instant();
        ServerIdentity identity = loadIdentity(config.certificateFile(configDir), config.privateKeyFile(configDir));
        Path usersFile = config.usersFilePath(configDir);
        UserStore users;
        try {
            users = UserStore.open(usersFile);
        } catch (IOException e) {
            throw new ConfigException(null, "users_file", e.getMessage(), e);
        }
        InetSocketAddress listen = resolve(config.listen(), "listen");
        InetSocketAddress statusListen = resolve(config.statusListen(), "status_listen");

        AtomicReference<BondServer> serverRef = new AtomicReference<>();
        List<VlessServer> vlessServers = new java.util.concurrent.CopyOnWriteArrayList<>();
        UserStoreAuthenticator authenticator = new UserStoreAuthenticator(users,
                new LoginThrottle(config.loginFailuresPerMinute(), clock), clock, name -> {
                    LOG.info("user " + name + " was removed: ending their sessions");
                    BondServer s = serverRef.get();
                    if (s != null) {
                        s.disconnectUser(name);
                    }
                    vlessServers.forEach(v -> v.disconnectUser(name));
                });
        SocketEgress egress = new SocketEgress(config.egress().toPolicy(), Resolver.system(),
                config.egress().connectTimeout(), new UserRates(users));
        char[] password = randomPassword();
        ServerListenSpec spec = new ServerListenSpec(listen, FrameCodec.ALPN, identity.toKeyStore(KEY_ALIAS, password),
                KEY_ALIAS, password, config.bond().idleTimeout(), RECEIVE_WINDOW, config.bond().maxUdpPayload());
        BondServer server = new BondServer(engine(config.engine()), spec, authenticator, egress,
                config.bond().toSettings());
        serverRef.set(server);
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.close();
            throw new IOException("cannot listen for bond connections on " + format(listen) + ": " + e.getMessage(), e);
        }
        try {
            for (ServerConfig.VlessListener listener : config.vless().listeners()) {
                VlessServer vless = new VlessServer(listener, config.vless().headerTimeout(),
                        config.vless().udpIdleTimeout(), users, egress);
                vless.start();
                vlessServers.add(vless);
            }
        } catch (IOException | RuntimeException e) {
            vlessServers.forEach(VlessServer::close);
            server.close();
            throw e;
        }
        BondServerApp app = new BondServerApp(config, identity, users, authenticator, server, vlessServers, clock,
                startedAt);
        try {
            app.status = StatusServer.start(statusListen, app::status);
        } catch (IOException | RuntimeException e) {
            vlessServers.forEach(VlessServer::close);
            server.close();
            throw e;
        }
        app.watcher.start();
        LOG.info("quicbond server " + version() + ": bond on " + format(app.bondAddress()) + " (" + config.engine()
                + ", " + FrameCodec.ALPN + "), status on http://" + format(app.statusAddress()) + "/status, "
                + users.list().size() + " users, certificate pin " + identity.pin());
        return app;
    }

    /** The bond (QUIC, UDP) listener's bound address. */
    public InetSocketAddress bondAddress() {
        return server.localAddress();
    }

    /** The VLESS listeners' bound addresses, in config order. */
    public List<InetSocketAddress> vlessAddresses() {
        return vlessServers.stream().map(VlessServer::localAddress).toList();
    }

    /** The status endpoint's bound address. */
    public InetSocketAddress statusAddress() {
        return status.address();
    }

    /** The configuration this server runs with. */
    public ServerConfig config() {
        return config;
    }

    /** The certificate pin clients configure, {@code "sha256/..."}. */
    public String pin() {
        return identity.pin();
    }

    /** The users (shared with the login checks; changes made through it take effect at once). */
    public UserStore users() {
        return users;
    }

    /**
     * Where clients connect: {@link ServerConfig#publicAddress()}, with a port of 0 replaced by the port the bond
     * listener bound. Empty when the config has no public address.
     */
    public Optional<HostPort> publicEndpoint() {
        return config.publicAddress().map(p -> p.port() != 0 ? p : new HostPort(p.host(), bondAddress().getPort()));
    }

    /** Sessions now, as the bond server sees them. */
    public List<SessionStatus> sessions() {
        return server.status();
    }

    /** The report {@code GET /status} answers. */
    public StatusReport status() {
        Instant now = clock.instant();
        return new StatusReport(version(), FrameCodec.ALPN, config.engine(), format(bondAddress()),
                startedAt.truncatedTo(ChronoUnit.SECONDS).toString(), Duration.between(startedAt, now).toSeconds(),
                users.list().size(), server.failedLogins(), StatusReport.sessionsOf(server.status()),
                vlessServers.stream().map(VlessServer::status).toList());
    }

    /** Stops the watcher, the status endpoint and the bond server (closing every session). */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watcher.interrupt();
        status.close();
        vlessServers.forEach(VlessServer::close);
        server.close();
        LOG.info("bond server stopped");
    }

    /**
     * The server's version, from the jar's Maven metadata; {@code "dev"} when running from a classes directory.
     */
    public static String version() {
        try (InputStream in = BondServerApp.class.getResourceAsStream(
                "/META-INF/maven/io.quicbond/bond-server/pom.properties")) {
            if (in != null) {
                Properties properties = new Properties();
                properties.load(in);
                String version = properties.getProperty("version");
                if (version != null && !version.isBlank()) {
                    return version;
                }
            }
        } catch (IOException ignored) {
            // fall through to "dev"
        }
        String implementation = BondServerApp.class.getPackage().getImplementationVersion();
        return implementation != null ? implementation : "dev";
    }

    /** {@code host:port}, an IPv6 host in brackets. */
    public static String format(InetSocketAddress address) {
        String host = address.getAddress() != null ? address.getAddress().getHostAddress() : address.getHostString();
        int percent = host.indexOf('%');
        if (percent >= 0) {
            host = host.substring(0, percent);
        }
        return (address.getAddress() instanceof Inet6Address ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private void watchUsers() {
        while (!closed.get()) {
            try {
                Thread.sleep(UserStoreAuthenticator.CHECK_INTERVAL);
            } catch (InterruptedException e) {
                return;
            }
            authenticator.reloadIfChanged();
        }
    }

    private static QuicEngine engine(String name) {
        return io.quicbond.transport.engine.QuicEngines.create(name);
    }

    private static InetSocketAddress resolve(HostPort address, String field) throws ConfigException {
        try {
            return address.toSocketAddress();
        } catch (UnknownHostException e) {
            throw new ConfigException(null, field, "cannot resolve " + address.host() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads the certificate chain and its private key, and checks that they belong together.
     * ({@link ServerIdentity#load} reads fixed file names from one directory; other names are presented to it as
     * symbolic links in a private temporary directory.)
     *
     * @throws ConfigException naming the file, if one is missing, unreadable, not PEM of the right kind, or the key
     *                         is not the certificate's
     */
    public static ServerIdentity loadIdentity(Path certFile, Path keyFile) throws ConfigException {
        for (Path file : List.of(certFile, keyFile)) {
            if (!Files.exists(file)) {
                String field = file == certFile ? "certificate" : "private_key";
                throw new ConfigException(null, field, file + ": no such file (`bond-server init` makes one)");
            }
        }
        Path certDir = certFile.toAbsolutePath().getParent();
        try {
            if (certFile.getFileName().toString().equals(ServerIdentity.CERT_FILE)
                    && keyFile.getFileName().toString().equals(ServerIdentity.KEY_FILE)
                    && certDir.equals(keyFile.toAbsolutePath().getParent())) {
                return ServerIdentity.load(certDir);
            }
            Path linkDir = Files.createTempDirectory("quicbond-identity");
            Path certLink = linkDir.resolve(ServerIdentity.CERT_FILE);
            Path keyLink = linkDir.resolve(ServerIdentity.KEY_FILE);
            try {
                Files.createSymbolicLink(certLink, certFile.toAbsolutePath());
                Files.createSymbolicLink(keyLink, keyFile.toAbsolutePath());
                try {
                    return ServerIdentity.load(linkDir);
                } catch (IOException e) {
                    String message = String.valueOf(e.getMessage())
                            .replace(certLink.toString(), certFile.toString())
                            .replace(keyLink.toString(), keyFile.toString());
                    throw new IOException(message, e);
                }
            } finally {
                Files.deleteIfExists(certLink);
                Files.deleteIfExists(keyLink);
                Files.deleteIfExists(linkDir);
            }
        } catch (NoSuchFileException e) {
            throw new ConfigException(null, "certificate", e.getFile() + ": no such file", e);
        } catch (IOException e) {
            throw new ConfigException(null, "certificate", "cannot load the server identity: " + e.getMessage(), e);
        }
    }

    private static char[] randomPassword() {
        SecureRandom random = new SecureRandom();
        char[] password = new char[24];
        for (int i = 0; i < password.length; i++) {
            password[i] = (char) ('a' + random.nextInt(26));
        }
        return password;
    }
}
