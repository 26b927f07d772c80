package io.quicbond.client.ingress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The accept loop shared by the TCP ingresses: binds a listener, accepts on one virtual thread and runs
 * {@link Handler#handle} for each connection on a virtual thread of its own. Whatever the handler throws is
 * logged and the connection closed; nothing escapes.
 *
 * <p>Threads: {@link #start()} and {@link #close()} from any thread. {@link #close()} also closes every
 * connection still open, so the flows and relays on them end too.
 */
public final class TcpAcceptor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TcpAcceptor.class.getName());
    private static final int BACKLOG = 128;

    /** Serves one accepted connection; runs on that connection's virtual thread. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Handles the connection. The handler owns the socket: it closes it, or hands it to something that
         * will (a {@link TcpRelay}). It may return before the connection ends.
         */
        void handle(Socket socket) throws Exception;
    }

    private final String name;
    private final InetSocketAddress listen;
    private final Handler handler;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private volatile ServerSocket server;
    private volatile Thread acceptThread;
    private volatile boolean closed;

    /**
     * @param name    names the threads (e.g. "socks5")
     * @param listen  the address to bind; port 0 picks a free port
     * @param handler serves each accepted connection
     */
    public TcpAcceptor(String name, InetSocketAddress listen, Handler handler) {
        this.name = name;
        this.listen = listen;
        this.handler = handler;
    }

    /** Binds and starts accepting; returns the bound address. */
    public synchronized InetSocketAddress start() throws IOException {
        if (server != null || closed) {
            throw new IllegalStateException(name + " already started");
        }
        ServerSocket s = new ServerSocket();
        try {
            s.setReuseAddress(true);
            s.bind(listen, BACKLOG);
        } catch (IOException e) {
            s.close();
            throw new IOException(name + ": cannot listen on " + listen, e);
        }
        server = s;
        acceptThread = Thread.ofVirtual().name(name + "-accept").start(this::acceptLoop);
        return boundAddress();
    }

    /** The bound address; only after {@link #start()}. */
    public InetSocketAddress boundAddress() {
        ServerSocket s = server;
        if (s == null) {
            throw new IllegalStateException(name + " not started");
        }
        return (InetSocketAddress) s.getLocalSocketAddress();
    }

    private void acceptLoop() {
        ServerSocket s = server;
        while (!closed) {
            Socket socket;
            try {
                socket = s.accept();
            } catch (IOException e) {
                if (!closed) {
                    // e.g. out of file descriptors: back off instead of spinning.
                    LOG.log(System.Logger.Level.WARNING, name + ": accept failed", e);
                    sleepQuietly(100);
                }
                continue;
            }
            connections.removeIf(Socket::isClosed);
            connections.add(socket);
            if (closed) {
                closeQuietly(socket);
                return;
            }
            Thread.ofVirtual().name(name + "-conn").start(() -> serve(socket));
        }
    }

    private void serve(Socket socket) {
        try {
            handler.handle(socket);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> name + ": connection from " + socket.getRemoteSocketAddress()
                    + " failed", e);
            closeQuietly(socket);
        }
    }

    @Override
    public void close() {
        closed = true;
        ServerSocket s = server;
        if (s != null) {
            closeQuietly(s);
        }
        for (Socket socket : connections) {
            closeQuietly(socket);
        }
        connections.clear();
        awaitExit(acceptThread);
    }

    /**
     * A socket closed while a virtual thread is blocked on it is released only when that thread wakes up; until
     * then the port still accepts connections. Waiting for the thread makes "closed" mean closed.
     */
    public static void awaitExit(Thread thread) {
        if (thread == null || thread == Thread.currentThread()) {
            return;
        }
        try {
            thread.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes without complaint; for sockets that may already be closed or broken. */
    public static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // already closed or broken: nothing left to release
        }
    }

    /** Closes with an RST instead of a FIN (SO_LINGER 0), so the peer sees an abort, not an end of data. */
    public static void resetQuietly(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (IOException ignored) {
            // already closed: nothing to abort
        }
        closeQuietly(socket);
    }
}
