package io.quicbond.transport.frame;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.scheduler.Policy;

/** One bond protocol frame (docs/protocol.md). Immutable, except that DATA/UDP payload arrays are not copied. */
public sealed interface Frame {

    /** Client → server, first frame on an uplink's bond stream. */
    record Hello(int version, byte[] sessionId, String uplinkName, String user, byte[] secret) implements Frame {
    }

    /** Server → client: the uplink is authenticated and part of the session. */
    record Welcome(int uplinkId, boolean sessionResumed) implements Frame {
    }

    enum Protocol { TCP, UDP }

    /**
     * Opens a flow; {@code window} is how many bytes the opener will buffer for the reverse direction, and
     * {@code policy} how both ends schedule the flow's chunks.
     */
    record Open(int flowId, Protocol protocol, Destination destination, long window, Policy policy) implements Frame {
    }

    /** Answer to OPEN: {@code error} is null on success. */
    record OpenResult(int flowId, FlowError error, long window, String message) implements Frame {
    }

    /** TCP flow bytes at a flow offset; {@code fin} = the flow's bytes end after this payload. */
    record Data(int flowId, long offset, boolean fin, byte[] payload) implements Frame {
    }

    /**
     * Flow-level acknowledgement: every byte below {@code received} arrived (the FIN counts as one byte after
     * the last), and the sender may send bytes below {@code limit}.
     */
    record Ack(int flowId, long received, long limit) implements Frame {
    }

    /** Ends a flow abnormally in both directions (or a UDP flow normally, with CLOSED). */
    record Reset(int flowId, FlowError reason, String message) implements Frame {
    }

    /** One UDP packet of a flow, as a QUIC datagram or, when too large, on the bond stream. */
    record Udp(int flowId, long sequence, byte[] payload) implements Frame {
    }

    /** Liveness and RTT probe; answered by a PONG with the same fields. */
    record Ping(long id, long sentNanos) implements Frame {
    }

    record Pong(long id, long sentNanos) implements Frame {
    }

    /**
     * Client → server, on the uplink it describes, after WELCOME and whenever it changes: the uplink's tier,
     * weight (hundredths, 1..10000 = 0.01..100) and rate caps in bits per second (0 = none).
     */
    record UplinkSettings(boolean primary, int weightHundredths, long upBitsPerSecond, long downBitsPerSecond)
            implements Frame {
    }

    /**
     * Both ways, on the uplink it describes: the sender has received {@code received} bytes of DATA payload on this
     * uplink so far. Cumulative and monotonic; lets the other end see each uplink's own backlog and delivery rate,
     * which the flow-level ACK (in order, across uplinks) cannot show.
     */
    record PathAck(long received) implements Frame {
    }

    /** Client → server: the client saw this uplink die; resend what went out on it. */
    record UplinkGone(int uplinkId) implements Frame {
    }
}
