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

    /**
     * The limits every flow of {@code user} shares, whatever carried it (bond or VLESS): what the caller sends to
     * destinations, and what it takes from them. Asked once per flow; none by default.
     */
    default EgressRates rates(String user) {
        return EgressRates.NONE;
    }

    /**
     * One user's two limits, each shared by all their flows.
     *
     * @param toDestination   what flows send towards the internet (the user's upload)
     * @param fromDestination what flows take from the internet (the user's download)
     */
    record EgressRates(RateLimit toDestination, RateLimit fromDestination) {
        public static final EgressRates NONE = new EgressRates(RateLimit.NONE, RateLimit.NONE);

        public EgressRates {
            java.util.Objects.requireNonNull(toDestination, "toDestination");
            java.util.Objects.requireNonNull(fromDestination, "fromDestination");
        }
    }
}
