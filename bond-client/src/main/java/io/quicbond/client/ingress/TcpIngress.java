package io.quicbond.client.ingress;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * An ingress that accepts TCP connections and handles each on its own virtual thread (SOCKS5, HTTP proxy, TCP
 * port forward): the listener's life cycle lives here once, the protocol in {@link #handle}.
 */
public abstract class TcpIngress implements Ingress {
    private final TcpAcceptor acceptor;

    /** @param name thread and log name, e.g. "socks5" */
    protected TcpIngress(String name, InetSocketAddress listen) {
        this.acceptor = new TcpAcceptor(name, listen, this::handle);
    }

    /** Serves one accepted connection, on its own virtual thread; called only after {@link #start()}. */
    protected abstract void handle(Socket socket) throws IOException;

    @Override
    public void start() throws IOException {
        acceptor.start();
    }

    @Override
    public InetSocketAddress boundAddress() {
        return acceptor.boundAddress();
    }

    @Override
    public void close() {
        acceptor.close();
    }
}
