package io.quicbond.client.ingress;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A way for LAN traffic to enter the bond: a listener that turns what it accepts into flows on a
 * {@link io.quicbond.transport.FlowTransport}. Implementations: SOCKS5, HTTP proxy, TCP and UDP port forward.
 *
 * <p>Threads: {@link #start()} and {@link #close()} may be called from any thread, each once. Every
 * implementation accepts on one virtual thread of its own and serves each connection on another.
 */
public interface Ingress extends AutoCloseable {

    /**
     * Binds the listening socket and starts serving; returns once bound.
     *
     * @throws IOException if the address cannot be bound
     * @throws IllegalStateException if already started
     */
    void start() throws IOException;

    /** The address actually bound (the real port when the settings asked for port 0); only after {@link #start()}. */
    InetSocketAddress boundAddress();

    /** Stops listening and closes every connection and flow of this ingress. Never throws; idempotent. */
    @Override
    void close();
}
