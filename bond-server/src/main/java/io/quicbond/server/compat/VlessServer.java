package io.quicbond.server.compat;

import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.users.User;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.os.Mptcp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * One VLESS listener (compat mode): accepts plain VLESS over kernel MPTCP (or TCP) from BSBF/xray/v2ray clients,
 * identifies the user by UUID and hands each flow to the same {@link EgressConnector} (egress policy included) as the
 * bond. Commands 1 (TCP), 2 (UDP) and 3 (Mux.Cool, XUDP) are served by {@link VlessConnection}.
 *
 * <p>A connection with an unknown UUID, a user not allowed on this listener, a malformed header or a header not
 * complete within {@code header_timeout_ms} is closed with no VLESS reply, and logged.
 *
 * <p>Threads: one platform-independent virtual thread {@code vless-accept-PORT} accepts; each connection gets a
 * virtual thread (plus one per direction and per sub-session, see docs/concurrency.md). All methods are thread-safe;
 * {@link #close()} is idempotent and closes every connection.
 */
public final class VlessServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(VlessServer.class.getName());

    private final ServerConfig.VlessListener config;
    private final Duration headerTimeout;
    private final Duration udpIdleTimeout;
    private final UserStore users;
    private final EgressConnector egress;
    private final Set<VlessConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    final AtomicLong connectionsTotal = new AtomicLong();
    final AtomicLong rejected = new AtomicLong();
    final AtomicLong bytesUp = new AtomicLong();
    final AtomicLong bytesDown = new AtomicLong();
    private ServerSocketChannel channel;
    private boolean mptcp;
    private Thread acceptor;

    /**
     * @param headerTimeout  how long a client may take to send its VLESS header
     * @param udpIdleTimeout how long a UDP flow may stay silent both ways
     */
    public VlessServer(ServerConfig.VlessListener config, Duration headerTimeout, Duration udpIdleTimeout,
                       UserStore users, EgressConnector egress) {
        this.config = config;
        this.headerTimeout = headerTimeout;
        this.udpIdleTimeout = udpIdleTimeout;
        this.users = users;
        this.egress = egress;
    }

    /**
     * Binds the listener (MPTCP when configured and the kernel agrees, else TCP with a one-line warning) and starts
     * accepting.
     *
     * @throws IOException if the address cannot be bound
     */
    public synchronized void start() throws IOException {
        InetSocketAddress address = config.listen().toSocketAddress();
        channel = null;
        if (config.mptcp()) {
            try {
                channel = Mptcp.openServer();
                mptcp = true;
            } catch (IOException | RuntimeException | LinkageError e) {
                LOG.warning("VLESS listener " + config.listen() + ": MPTCP unavailable (" + e.getMessage()
                        + "), listening with plain TCP");
            }
        }
        if (channel == null) {
            channel = ServerSocketChannel.open();
            channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
        }
        try {
            channel.bind(address, 512);
        } catch (IOException e) {
            channel.close();
            throw new IOException("cannot listen for VLESS on " + config.listen() + ": " + e.getMessage(), e);
        }
        acceptor = Thread.ofVirtual().name("vless-accept-" + localAddress().getPort()).start(this::acceptLoop);
        LOG.info("VLESS listener on " + io.quicbond.server.BondServerApp.format(localAddress()) + (mptcp ? " (MPTCP)" : " (TCP)") + ", users: "
                + (config.users().isEmpty() ? "every user with a VLESS UUID" : String.join(", ", config.users())));
    }

    public InetSocketAddress localAddress() {
        try {
            return (InetSocketAddress) channel.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("listener closed", e);
        }
    }

    public boolean isMptcp() {
        return mptcp;
    }

    public VlessListenerStatus status() {
        return new VlessListenerStatus(io.quicbond.server.BondServerApp.format(localAddress()), mptcp,
                connections.size(), connectionsTotal.get(), rejected.get(), bytesUp.get(), bytesDown.get());
    }

    /** Closes the connections of a user (removed from the users file). */
    public void disconnectUser(String name) {
        for (VlessConnection c : connections) {
            if (name.equals(c.userName())) {
                c.close();
            }
        }
    }

    private void acceptLoop() {
        while (!closed.get()) {
            SocketChannel client;
            try {
                client = channel.accept();
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.warning("VLESS listener " + config.listen() + ": accept failed: " + e.getMessage());
                }
                return;
            }
            connectionsTotal.incrementAndGet();
            Socket socket = client.socket();
            VlessConnection connection = new VlessConnection(this, socket);
            connections.add(connection);
            Thread.ofVirtual().name("vless-" + socket.getRemoteSocketAddress()).start(() -> {
                try {
                    connection.run();
                } finally {
                    connections.remove(connection);
                }
            });
        }
    }

    /** The user this UUID belongs to, if they may use this listener. */
    Optional<User> authorize(UUID uuid) {
        Optional<User> user = users.findByVlessUuid(uuid);
        if (user.isEmpty() || config.users().isEmpty()) {
            return user;
        }
        User u = user.get();
        return config.users().contains(u.name()) || config.users().contains(uuid.toString()) ? user : Optional.empty();
    }

    /** How many connections this user has open on this listener. */
    int openConnectionsOf(String name) {
        int n = 0;
        for (VlessConnection c : connections) {
            if (name.equals(c.userName())) {
                n++;
            }
        }
        return n;
    }

    Duration headerTimeout() {
        return headerTimeout;
    }

    Duration udpIdleTimeout() {
        return udpIdleTimeout;
    }

    EgressConnector egress() {
        return egress;
    }

    String name() {
        return "VLESS " + config.listen().port();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (channel != null) {
                channel.close();
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        for (VlessConnection c : connections) {
            c.close();
        }
        if (acceptor != null) {
            acceptor.interrupt();
        }
    }
}
