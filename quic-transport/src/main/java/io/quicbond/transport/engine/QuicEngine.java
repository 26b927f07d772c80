package io.quicbond.transport.engine;

import java.io.IOException;
import java.util.function.Consumer;

/**
 * The seam to a QUIC implementation: everything above it (sessions, flows, the scheduler) is engine-agnostic.
 * Implementations: {@link io.quicbond.transport.engine.kwik.KwikEngine}. Thread-safe.
 */
public interface QuicEngine {

    /** A short name for logs and config ("kwik"). */
    String name();

    /**
     * Connects one uplink's QUIC connection; blocks until the handshake is done.
     *
     * @throws IOException when the server cannot be reached, the handshake fails or the certificate is refused
     */
    QuicLink connect(ClientLinkSpec spec) throws IOException;

    /**
     * Listens for bond connections. {@code onConnection} is called once per accepted connection, on an engine
     * thread: it must not block.
     */
    QuicListener listen(ServerListenSpec spec, Consumer<QuicLink> onConnection) throws IOException;
}
