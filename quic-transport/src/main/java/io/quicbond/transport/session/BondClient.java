package io.quicbond.transport.session;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.UdpFlow;
import io.quicbond.transport.engine.ClientLinkSpec;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.frame.FrameCodec;
import io.quicbond.transport.scheduler.FlowClassifier;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Logger;
import javax.net.ssl.X509TrustManager;

/**
 * The bond's client end and the bond {@link FlowTransport}: one QUIC connection per uplink, all joined in one
 * session; each uplink is reconnected with backoff when it drops. Thread-safe.
 *
 * <p>Threads: one connector per uplink ({@code connector-NAME}, virtual), plus the session's and uplinks'
 * threads (docs/concurrency.md).
 */
public final class BondClient implements FlowTransport, AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BondClient.class.getName());
    private static final Duration MIN_BACKOFF = Duration.ofMillis(200);
    /** Kept short: a link that comes back should carry traffic again within about a second or two. */
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    /**
     * For this long after a working uplink drops, it is redialled every {@link #FAST_REDIAL_PAUSE} with a
     * handshake timeout sized by the path's RTT ({@link #fastConnectTimeout}), so that a link that comes back is
     * found within well under a second. One handshake keeps its first Initial packet for its whole timeout
     * (quiche's first retransmission comes after about a second), so a 3-s attempt begun during the outage
     * held a restored link back for up to 3 s. Afterwards the backoff doubles to {@link #MAX_BACKOFF}.
     */
    static final Duration FAST_REDIAL_PHASE = Duration.ofSeconds(30);
    static final Duration FAST_REDIAL_PAUSE = Duration.ofMillis(100);
    /** How long a suspect uplink stays silent before a spare connection is dialled beside it (superviseUntilDown). */
    static final Duration SPARE_AFTER_SILENCE = Duration.ofMillis(300);
    /**
     * How long an uplink with data outstanding may deliver nothing (while it is heard, so not silent) before a spare
     * connection is dialled beside it: a quiche server that follows a NAT's move only in part keeps answering while
     * the uplink's stream delivers nothing for 2 s. Longer than a lost packet's repair on a slow path (about 1.5
     * RTT, and at least four RTTs are waited).
     */
    static final Duration SPARE_AFTER_NO_DELIVERY = Duration.ofMillis(600);
    /** At most one spare dial per uplink this often: a dead path is not dialled over and over before it is dead. */
    static final Duration SPARE_INTERVAL = Duration.ofSeconds(1);
    private static final Duration SUPERVISE_TICK = Duration.ofMillis(50);
    /** Every this many fast redials, one waits the full {@link #CONNECT_TIMEOUT}, for a path slower than it was. */
    static final int FULL_TIMEOUT_EVERY = 4;
    private static final Duration AUTH_FAILURE_BACKOFF = Duration.ofSeconds(30);

    private final QuicEngine engine;
    private final String user;
    private final byte[] secret;
    private final X509TrustManager trust;
    private final String serverName;
    private final BondSettings settings;
    private final FlowClassifier classifier;
    private final ClientSession session;
    private final ConcurrentHashMap<String, Connector> connectors = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * @param trust      checks the server certificate (a pin, usually)
     * @param serverName SNI name sent to the server
     */
    public BondClient(QuicEngine engine, String user, byte[] secret, X509TrustManager trust, String serverName,
                      BondSettings settings, FlowClassifier classifier) {
        this.engine = engine;
        this.user = user;
        this.secret = secret.clone();
        this.trust = trust;
        this.serverName = serverName;
        this.settings = settings;
        this.classifier = classifier;
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        this.session = new ClientSession(id, settings, user);
    }

    /** Starts (or, for a name already running, keeps) an uplink; it connects in the background. */
    public void addUplink(UplinkSpec spec) {
        connectors.computeIfAbsent(spec.name(), n -> {
            Connector c = new Connector(spec);
            c.thread = Thread.ofVirtual().name("connector-" + n).start(c::run);
            return c;
        });
    }

    /** Stops an uplink; its flows' data moves to the others. */
    public void removeUplink(String name) {
        Connector c = connectors.remove(name);
        if (c != null) {
            c.stop("removed from the configuration");
        }
    }

    /**
     * Gives a running uplink new tier, weight and caps without reconnecting; both ends apply them at once.
     * Returns false when no uplink of that name is configured.
     */
    public boolean retune(String name, UplinkTuning tuning) {
        Connector c = connectors.get(name);
        if (c == null) {
            return false;
        }
        c.spec = c.spec.withTuning(tuning);
        Uplink u = c.current;
        if (u != null && !u.isDown()) {
            u.retune(tuning);
            session.event("uplink " + name + " settings: " + BondSession.describe(tuning));
            session.wakeWriters();
        }
        return true;
    }

    /**
     * Flow payload bytes (TCP and UDP, both ways) the named uplink has carried since it was added, over all its
     * connections; -1 when no uplink of that name is configured. QUIC and IP headers are not counted.
     */
    public long bytesCarried(String name) {
        Connector c = connectors.get(name);
        return c == null ? -1 : c.carried();
    }

    public void addEventListener(Consumer<String> listener) {
        session.addEventListener(listener);
    }

    /** Blocks until at least {@code count} uplinks are up, or the timeout passes; returns whether they are. */
    public boolean awaitUplinks(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (session.healthyUplinks().size() < count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    @Override
    public TcpFlow openTcp(Destination destination) throws FlowOpenException {
        BondFlow f = session.open(Frame.Protocol.TCP, destination, classifier.policyFor(false, destination));
        return new ClientTcpFlow(session, f);
    }

    @Override
    public UdpFlow openUdp(Destination destination, Consumer<byte[]> receiver) throws FlowOpenException {
        BondFlow f = session.open(Frame.Protocol.UDP, destination, classifier.policyFor(true, destination));
        f.udpReceiver = receiver;
        return new UdpFlow() {
            @Override
            public void send(byte[] payload) {
                if (!f.ended.get()) {
                    session.sendUdp(f, payload);
                }
            }

            @Override
            public void close() {
                session.resetFlow(f, FlowError.CLOSED, "closed by the client");
            }
        };
    }

    /** The session and every configured uplink, including ones not connected (state "connecting"). */
    public ClientStatus status() {
        SessionStatus s = session.status();
        List<ClientStatus.ConfiguredUplink> configured = new ArrayList<>();
        for (Connector c : connectors.values()) {
            InetSocketAddress server = c.spec.server();
            String host = server.getHostString().indexOf(':') >= 0 ? "[" + server.getHostString() + "]" : server.getHostString();
            configured.add(new ClientStatus.ConfiguredUplink(c.spec.name(), host + ":" + server.getPort(),
                    c.connected ? "connected" : "connecting", c.lastError, c.connects));
        }
        return new ClientStatus(s, configured);
    }

    /** The session's uplinks and flows, one line each (see {@link BondSession#describe}). */
    String describe() {
        return session.describe();
    }

    public String sessionId() {
        return session.sessionIdHex();
    }

    @Override
    public void close() {
        closed = true;
        for (Connector c : connectors.values()) {
            c.stop("client closing");
        }
        connectors.clear();
        session.close();
    }

    /**
     * The handshake timeout of a fast redial: three of the path's minimum RTTs (a handshake takes one and a
     * half) plus 300 ms for both ends' TLS work, between 600 ms and {@link #CONNECT_TIMEOUT}.
     */
    static Duration fastConnectTimeout(long minRttNanos) {
        long millis = 3 * minRttNanos / 1_000_000 + 300;
        return Duration.ofMillis(Math.clamp(millis, 600, CONNECT_TIMEOUT.toMillis()));
    }

    /** Keeps one uplink connected: connect, log in, wait for it to die, back off, again. */
    private final class Connector {
        volatile UplinkSpec spec;
        volatile Thread thread;
        volatile boolean stopped;
        volatile boolean connected;
        volatile String lastError;
        volatile int connects;
        volatile Uplink current;
        /** Flow payload both ways on this uplink's earlier connections. */
        private long carriedByEarlierConnections;

        Connector(UplinkSpec spec) {
            this.spec = spec;
        }

        void run() {
            Duration backoff = MIN_BACKOFF;
            long droppedAtNanos = 0;      // when the last working connection of this uplink went down; 0 = none
            long lastMinRttNanos = 0;     // that connection's minimum RTT
            int fastRedials = 0;
            while (!stopped && !closed) {
                boolean fast = droppedAtNanos != 0 && lastMinRttNanos > 0
                        && System.nanoTime() - droppedAtNanos < FAST_REDIAL_PHASE.toNanos();
                Duration timeout = fast && ++fastRedials % FULL_TIMEOUT_EVERY != 0
                        ? fastConnectTimeout(lastMinRttNanos) : CONNECT_TIMEOUT;
                try {
                    Uplink uplink = adopt(connectOnce(timeout));
                    connected = true;
                    lastError = null;
                    backoff = MIN_BACKOFF;
                    uplink = superviseUntilDown(uplink);
                    connected = false;
                    lastError = uplink.downReason();
                    droppedAtNanos = System.nanoTime();
                    lastMinRttNanos = uplink.rtt.hasSample() ? uplink.rtt.minNanos() : 0;
                    fastRedials = 0;
                    synchronized (this) {
                        carriedByEarlierConnections += carried(uplink);
                        current = null;
                    }
                } catch (LoginRefusedException e) {
                    reportFailure(e.getMessage());
                    backoff = AUTH_FAILURE_BACKOFF;
                    droppedAtNanos = 0;
                } catch (IOException | RuntimeException e) {
                    reportFailure("connect failed: " + e.getMessage());
                } catch (InterruptedException e) {
                    break;
                }
                if (stopped || closed) {
                    break;
                }
                boolean stillFast = droppedAtNanos != 0 && lastMinRttNanos > 0
                        && System.nanoTime() - droppedAtNanos < FAST_REDIAL_PHASE.toNanos();
                Duration pause = stillFast ? FAST_REDIAL_PAUSE : backoff;
                try {
                    long jitter = ThreadLocalRandom.current().nextLong(pause.toMillis() / 4 + 1);
                    Thread.sleep(pause.toMillis() + jitter);
                } catch (InterruptedException e) {
                    break;
                }
                if (!stillFast) {
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                }
            }
        }

        /**
         * Waits for the uplink's connection to go down and returns the last one. While it is suspect and has been
         * silent for {@link #SPARE_AFTER_SILENCE} (at least two of its RTTs), or has delivered nothing of what it
         * was sent for {@link #SPARE_AFTER_NO_DELIVERY} (at least four RTTs), a second connection is dialled on
         * the same uplink, from a new socket and so a new source port. If that one logs in, the server has
         * already put it in the old one's place (a connection for a name the session has replaces the old one),
         * so the client does the same. That is what a carrier NAT that moved the uplink to a new port needs: the
         * old connection's packets go nowhere and neither engine's server reliably follows the move, and waiting
         * for the silence to reach {@code dead_after} took 2.6 s before the uplink carried again. If the spare does
         * not connect either, the path itself is down, and the old connection's silence ends it as before.
         */
        private Uplink superviseUntilDown(Uplink uplink) throws InterruptedException {
            long lastSpareNanos = 0;
            while (!session.awaitDown(uplink, SUPERVISE_TICK.toMillis())) {
                if (stopped) {
                    return uplink;
                }
                long now = System.nanoTime();
                long silence = now - uplink.lastHeardNanos();
                long stalled = uplink.deliveryStalledNanos(now);
                boolean silent = uplink.isSuspect()
                        && silence >= Math.max(SPARE_AFTER_SILENCE.toNanos(), 2 * uplink.rtt.minNanos());
                boolean stuck = stalled >= Math.max(SPARE_AFTER_NO_DELIVERY.toNanos(), 4 * uplink.rtt.minNanos());
                if (!(silent || stuck) || now - lastSpareNanos < SPARE_INTERVAL.toNanos()) {
                    continue;
                }
                lastSpareNanos = now;
                Uplink spare;
                try {
                    spare = connectOnce(fastConnectTimeout(uplink.rtt.minNanos()));
                } catch (IOException | RuntimeException e) {
                    continue; // the path is down, not just the old connection's mapping
                }
                String why = silent
                        ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - uplink.lastHeardNanos()) + " ms of silence"
                        : TimeUnit.NANOSECONDS.toMillis(uplink.deliveryStalledNanos(System.nanoTime()))
                                + " ms without delivery";
                session.uplinkFailed(uplink, "replaced by a new connection after " + why
                        + " (a NAT may have moved the old one)");
                synchronized (this) {
                    carriedByEarlierConnections += carried(uplink);
                }
                uplink = adopt(spare);
            }
            return uplink;
        }

        /** Makes a connection that just logged in this uplink's current one, with the uplink's latest tuning. */
        private Uplink adopt(Uplink uplink) {
            current = uplink;
            connects++;
            UplinkTuning latest = spec.tuning();
            if (!latest.equals(uplink.tuning())) { // retuned while it was logging in
                uplink.retune(latest);
            }
            return uplink;
        }

        /** Records why connecting failed; a reason not seen just before becomes a session event (and a log line). */
        private void reportFailure(String reason) {
            if (!reason.equals(lastError)) {
                session.event("uplink " + spec.name() + ": " + reason);
            }
            lastError = reason;
        }

        private Uplink connectOnce(Duration connectTimeout) throws IOException, InterruptedException {
            ClientLinkSpec linkSpec = new ClientLinkSpec(spec.server(), spec.bindAddress(), spec.bindInterface(),
                    FrameCodec.ALPN, trust, serverName, connectTimeout, Duration.ofSeconds(30),
                    settings.flowWindow() * 4, spec.congestionControl(), spec.placement(), spec.maxUdpPayload());
            QuicLink link = engine.connect(linkSpec);
            try {
                LinkStream stream = link.openStream();
                stream.output().write(FrameCodec.encode(new Frame.Hello(FrameCodec.VERSION, session.sessionId,
                        spec.name(), user, secret)));
                DataInputStream in = Uplink.frameInput(stream);
                Thread watchdog = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(BondServer.LOGIN_TIMEOUT.toMillis());
                        link.close(ErrorCode.PROTOCOL_VIOLATION.code(), "no WELCOME in time");
                    } catch (InterruptedException ignored) {
                        // answered in time
                    }
                });
                Frame answer;
                try {
                    answer = FrameCodec.read(in);
                } catch (IOException e) {
                    long code = awaitPeerCloseCode(link);
                    if (code >= 0) {
                        throw loginEnded(code);
                    }
                    throw e;
                } finally {
                    watchdog.interrupt();
                }
                if (!(answer instanceof Frame.Welcome welcome)) {
                    long code = link.peerCloseCode();
                    throw code >= 0 ? loginEnded(code) : new IOException("expected WELCOME, got " + answer);
                }
                UplinkSpec spec = this.spec;
                Uplink uplink = new Uplink(welcome.uplinkId(), spec.name(), spec.tuning(), link, stream, session);
                uplink.sendControl(BondSession.settingsFrame(spec.tuning())); // the server assumes defaults until then
                session.attach(uplink);
                uplink.start(in);
                return uplink;
            } catch (IOException | RuntimeException e) {
                link.close(ErrorCode.NO_ERROR.code(), "login failed");
                throw e;
            } catch (io.quicbond.transport.frame.BondProtocolException e) {
                link.close(e.code().code(), e.getMessage());
                throw new IOException("bad answer from the server: " + e.getMessage());
            }
        }

        /**
         * The server closed the connection during login. A refusal (credentials, another user's session, limits, a
         * version it does not speak) will not change by retrying soon; anything else (the server's login timeout
         * after a HELLO lost on a failing link, a shutdown) is an ordinary connect failure.
         */
        private static IOException loginEnded(long code) {
            ErrorCode reason = ErrorCode.fromCode(code);
            return switch (reason) {
                case AUTH_FAILED, SESSION_FORBIDDEN, LIMIT_EXCEEDED, VERSION_MISMATCH ->
                        new LoginRefusedException("server refused the login: " + reason);
                default -> new IOException("server closed the connection during login: " + reason);
            };
        }

        /** kwik can fail a read a moment before it reports the peer's close code; wait that moment. */
        private static long awaitPeerCloseCode(QuicLink link) throws InterruptedException {
            long deadline = System.nanoTime() + 500_000_000L;
            long code;
            while ((code = link.peerCloseCode()) < 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            return code;
        }

        synchronized long carried() {
            Uplink u = current;
            return carriedByEarlierConnections + (u == null ? 0 : carried(u));
        }

        private static long carried(Uplink u) {
            return u.sent.total() + u.received.total();
        }

        void stop(String reason) {
            stopped = true;
            Uplink u = current;
            if (u != null) {
                session.uplinkFailed(u, reason);
            }
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    /** The server closed the connection at login with a reason (wrong secret, other user's session, limit). */
    static final class LoginRefusedException extends IOException {
        LoginRefusedException(String message) {
            super(message);
        }
    }
}
