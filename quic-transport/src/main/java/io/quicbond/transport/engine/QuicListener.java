package io.quicbond.transport.engine;

import java.net.InetSocketAddress;

/** A listening QUIC endpoint; {@link #close()} closes it and every connection it accepted. */
public interface QuicListener extends AutoCloseable {
    InetSocketAddress localAddress();

    @Override
    void close();
}
