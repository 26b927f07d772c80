package io.quicbond.transport.engine;

import java.io.InputStream;
import java.io.OutputStream;

/** One bidirectional QUIC stream of a {@link QuicLink}. Input and output may be used by two threads at once. */
public interface LinkStream {
    InputStream input();

    /** Writes may block while the connection is congestion- or flow-control-limited. */
    OutputStream output();
}
