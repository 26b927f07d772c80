package io.quicbond.transport.session;

import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.engine.QuicListener;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.frame.BondProtocolException;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.frame.FrameCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The bond's server end: accepts uplink connections, authenticates each (HELLO before anything else), joins it
 * to its client's session, and hands flows to egress. Thread-safe; see docs/concurrency.md.
 */
public final class BondServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BondServer.class.getName());
    /** A connection that has not logged in within this time is closed; it costs one virtual thread until then. */
    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(5);

    private final QuicEngine engine;
    private final ServerListenSpec listenSpec;
    private final SessionAuthenticator authenticator;
    private final EgressConnector egress;
    private final BondSettings settings;
    private final ConcurrentHashMap<String, ServerSession> sessions = new ConcurrentHashMap<>();
    private final AtomicInteger nextUplinkId = new AtomicInteger(1);
    private final AtomicLong failedLogins = new AtomicLong();
    private volatile QuicListener listener;

    public BondServer(QuicEngine engine, ServerListenSpec listenSpec, SessionAuthenticator authenticator,
                      EgressConnector egress, BondSettings settings) {
        this.engine = engine;
        this.listenSpec = listenSpec;
        this.authenticator = authenticator;
        this.egress = egress;
        this.settings = settings;
    }

    public void start() throws IOException {
        listener = engine.listen(listenSpec, this::onConnection);
        LOG.info("bond server listening on " + listener.localAddress() + " (" + engine.name() + ")");
    }

    public InetSocketAddress localAddress() {
        return listener.localAddress();
    }

    private void onConnection(QuicLink link) {
        AtomicBoolean gotStream = new AtomicBoolean();
        link.onPeerStream(stream -> {
            if (gotStream.compareAndSet(false, true)) {
                Thread.ofVirtual().name("login-" + link.peerAddress()).start(() -> login(link, stream));
            }
        });
        // Nothing else is accepted on a connection until it logs in; one that never does is closed. LINK_SILENT, not
        // AUTH_FAILED: a HELLO lost on a link that failed during the handshake is no wrong secret, and a client
        // backs off for long only after a refusal.
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(LOGIN_TIMEOUT);
            } catch (InterruptedException e) {
                return;
            }
            if (!gotStream.get()) {
                link.close(ErrorCode.LINK_SILENT.code(), "no login within " + LOGIN_TIMEOUT.toSeconds() + " s");
            }
        });
    }

    private void login(QuicLink link, LinkStream stream) {
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(LOGIN_TIMEOUT);
                link.close(ErrorCode.LINK_SILENT.code(), "no login within " + LOGIN_TIMEOUT.toSeconds() + " s");
            } catch (InterruptedException ignored) {
                // logged in (or failed) in time
            }
        });
        try {
            DataInputStream in = Uplink.frameInput(stream);
            Frame first = FrameCodec.read(in);
            if (!(first instanceof Frame.Hello hello)) {
                throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "first frame must be HELLO");
            }
            if (hello.version() != FrameCodec.VERSION) {
                throw new BondProtocolException(ErrorCode.VERSION_MISMATCH, "protocol version " + hello.version()
                        + " not supported (server speaks " + FrameCodec.VERSION + ")");
            }
            Optional<SessionAuthenticator.AuthenticatedUser> user =
                    authenticator.authenticate(hello.user(), hello.secret(), link.peerAddress());
            if (user.isEmpty()) {
                failedLogins.incrementAndGet();
                throw new BondProtocolException(ErrorCode.AUTH_FAILED, "unknown user or wrong secret");
            }
            watchdog.interrupt();
            ServerSession session = sessionFor(hello.sessionId(), user.get());
            int uplinkId = nextUplinkId.getAndIncrement();
            Uplink uplink = new Uplink(uplinkId, hello.uplinkName(), UplinkTuning.DEFAULT, link, stream, session);
            OutputStream out = stream.output();
            boolean resumed = session.flowCount() > 0 || !session.uplinks.isEmpty();
            out.write(FrameCodec.encode(new Frame.Welcome(uplinkId, resumed)));
            session.join(uplink);
            uplink.start(in);
        } catch (BondProtocolException e) {
            watchdog.interrupt();
            LOG.info("login from " + link.peerAddress() + " refused: " + e.getMessage());
            link.close(e.code().code(), e.getMessage());
        } catch (IOException | RuntimeException e) {
            watchdog.interrupt();
            LOG.fine("login from " + link.peerAddress() + " failed: " + e);
            link.close(ErrorCode.PROTOCOL_VIOLATION.code(), "login failed");
        }
    }

    private ServerSession sessionFor(byte[] sessionId, SessionAuthenticator.AuthenticatedUser user)
            throws BondProtocolException {
        String key = HexFormat.of().formatHex(sessionId);
        synchronized (sessions) {
            ServerSession existing = sessions.get(key);
            if (existing != null) {
                if (!existing.user().name().equals(user.name())) {
                    throw new BondProtocolException(ErrorCode.SESSION_FORBIDDEN, "session belongs to another user");
                }
                return existing;
            }
            long mine = sessions.values().stream().filter(s -> s.user().name().equals(user.name())).count();
            if (mine >= user.maxSessions()) {
                throw new BondProtocolException(ErrorCode.LIMIT_EXCEEDED, "user " + user.name() + " already has "
                        + mine + " sessions (limit " + user.maxSessions() + ")");
            }
            ServerSession created = new ServerSession(sessionId, settings, user, egress, () -> sessions.remove(key));
            sessions.put(key, created);
            return created;
        }
    }

    public List<SessionStatus> status() {
        List<SessionStatus> out = new ArrayList<>();
        for (ServerSession s : sessions.values()) {
            out.add(s.status());
        }
        return out;
    }

    /** Every session's uplinks and flows, one line each (see {@link BondSession#describe}). */
    String describe() {
        StringBuilder b = new StringBuilder();
        for (ServerSession s : sessions.values()) {
            b.append(s.describe());
        }
        return b.toString();
    }

    public long failedLogins() {
        return failedLogins.get();
    }

    /** Ends a user's sessions (after the user was removed). */
    public void disconnectUser(String user) {
        for (ServerSession s : sessions.values()) {
            if (s.user().name().equals(user)) {
                s.close();
                sessions.values().remove(s);
            }
        }
    }

    @Override
    public void close() {
        for (ServerSession s : sessions.values()) {
            s.close();
        }
        sessions.clear();
        if (listener != null) {
            listener.close();
        }
    }
}
