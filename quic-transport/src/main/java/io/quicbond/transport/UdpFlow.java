package io.quicbond.transport;

import java.io.Closeable;

/** One UDP flow: packets to a single destination, and its replies (see {@link FlowTransport#openUdp}). */
public interface UdpFlow extends Closeable {
    /** Sends one packet; never blocks for long; may drop under overload (it is UDP). */
    void send(byte[] payload);

    @Override
    void close();
}
