package io.quicbond.client.ingress.transparent;

import io.quicbond.client.ingress.Ingress;
import io.quicbond.client.ingress.TcpAcceptor;
import io.quicbond.client.ingress.TcpRelay;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.os.LinuxSockets;
import io.quicbond.transport.os.TransparentSockets;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * TCP from the LAN through nftables TPROXY: listeners with {@code IP_TRANSPARENT} (IPv4) and
 * {@code IPV6_TRANSPARENT} (IPv6-only socket) on one port; the kernel hands them connections addressed anywhere,
 * and an accepted socket's local address is the destination the LAN host asked for. Each connection opens a flow
 * to that destination (or to the DNS resolver for port 53) and a {@link TcpRelay} copies both ways. A flow that
 * cannot open resets the LAN host's connection, as the destination refusing would.
 *
 * <p>Threads: one virtual thread accepts per listener; each connection opens its flow on a virtual thread of its
 * own. {@link #start()} and {@link #close()} from any thread. Needs CAP_NET_ADMIN and the JVM options of
 * {@link LinuxSockets}.
 */
public final class TransparentTcpIngress implements Ingress {
    private static final System.Logger LOG = System.getLogger(TransparentTcpIngress.class.getName());
    private static final int BACKLOG = 1024;

    private final TransparentSettings settings;
    private final FlowTransport transport;
    private final List<ServerSocketChannel> listeners = new ArrayList<>();
    private final List<Thread> acceptThreads = new ArrayList<>();
    private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicLong accepted = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;

    public TransparentTcpIngress(TransparentSettings settings, FlowTransport transport) {
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    public synchronized void start() throws IOException {
        if (!listeners.isEmpty() || closed) {
            throw new IllegalStateException("transparent-tcp already started");
        }
        try {
            listeners.add(listen(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), settings.port())));
            if (settings.ipv6()) {
                listeners.add(listen(new InetSocketAddress(InetAddress.getByName("::"), listeners.getFirst()
                        .socket().getLocalPort())));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        for (ServerSocketChannel l : listeners) {
            acceptThreads.add(Thread.ofVirtual().name("transparent-tcp-accept").start(() -> acceptLoop(l)));
        }
    }

    /** A listener that TPROXY can deliver to: transparent before bind, IPv6-only for [::]. */
    static ServerSocketChannel listen(InetSocketAddress address) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open(TransparentSockets.familyOf(address));
        try {
            TransparentSockets.makeTransparent(ch, TransparentSockets.isIpv6(address));
            ch.bind(address, BACKLOG);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("transparent-tcp: cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    /** Connections accepted since start. */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Connections open now. */
    public int openConnections() {
        return (int) connections.stream().filter(SocketChannel::isOpen).count();
    }

    @Override
    public InetSocketAddress boundAddress() {
        if (listeners.isEmpty()) {
            throw new IllegalStateException("transparent-tcp not started");
        }
        return (InetSocketAddress) listeners.getFirst().socket().getLocalSocketAddress();
    }

    private void acceptLoop(ServerSocketChannel listener) {
        while (!closed) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "transparent-tcp: accept failed", e);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                continue;
            }
            connections.removeIf(c -> !c.isOpen());
            connections.add(ch);
            accepted.incrementAndGet();
            if (closed) {
                TcpAcceptor.closeQuietly(ch);
                return;
            }
            Thread.ofVirtual().name("transparent-tcp-conn").start(() -> serve(ch));
        }
    }

    private void serve(SocketChannel ch) {
        Socket socket = ch.socket();
        Destination original;
        try {
            original = TransparentSettings.unscoped((InetSocketAddress) ch.getLocalAddress());
            socket.setTcpNoDelay(true);
        } catch (IOException e) {
            TcpAcceptor.closeQuietly(ch);
            return;
        }
        Destination destination = settings.route(original);
        TcpFlow flow;
        try {
            flow = transport.openTcp(destination);
        } catch (FlowOpenException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transparent-tcp: " + socket.getRemoteSocketAddress() + " -> "
                    + destination + " failed: " + e.getMessage());
            TcpAcceptor.resetQuietly(socket);
            return;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "transparent-tcp: " + destination + ": " + e);
            TcpAcceptor.resetQuietly(socket);
            return;
        }
        try {
            new TcpRelay(socket, flow).start();
        } catch (IOException e) {
            flow.close();
            TcpAcceptor.closeQuietly(ch);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel l : listeners) {
            TcpAcceptor.closeQuietly(l);
        }
        for (SocketChannel c : connections) {
            TcpAcceptor.closeQuietly(c);
        }
        connections.clear();
        acceptThreads.forEach(TcpAcceptor::awaitExit);
    }
}
