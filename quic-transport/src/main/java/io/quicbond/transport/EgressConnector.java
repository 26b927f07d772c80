package io.quicbond.transport;

import java.net.DatagramSocket;
import java.net.Socket;

/**
 * The server-side seam: whatever carried a flow here (the bond, compat VLESS) asks egress to reach its
 * destination. Implementations apply the egress policy, resolve names and connect. Called on a per-flow
 * virtual thread; may block while connecting.
 */
public interface EgressConnector {

    /** Connects to the destination; the socket is connected and ready, or the exception says why not. */
    Socket connectTcp(String user, Destination destination) throws FlowOpenException;

    /** A UDP socket connected to the destination (policy checked, name resolved). */
    DatagramSocket openUdp(String user, Destination destination) throws FlowOpenException;
}
