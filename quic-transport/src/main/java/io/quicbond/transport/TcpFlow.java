package io.quicbond.transport;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One TCP flow, as the application side sees it: bytes from the destination arrive on {@link #input()},
 * bytes written to {@link #output()} go to the destination. Closing the output half-closes (FIN travels end to
 * end); the input ends (-1) at the peer's FIN, or throws {@link FlowResetException} on a reset.
 * Input and output may be used by two different threads at once.
 */
public interface TcpFlow extends Closeable {
    InputStream input();

    OutputStream output();

    /** Aborts both directions and tells the far end why. */
    void reset(FlowError reason);

    /** Closes both directions: a FIN if not yet sent, and stops reading. */
    @Override
    void close();
}
