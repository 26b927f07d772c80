package io.quicbond.transport.flow;

/**
 * What a flow's send side needs to know of an uplink: an identity, and a counter of the flow bytes it carried
 * that the far end has not acknowledged yet (the scheduler reads it as that uplink's backlog).
 */
public interface PathAccount {
    int pathId();

    /**
     * Adjusts the unacknowledged byte count; {@code delivered} says whether a decrease was an acknowledgement
     * (it counts toward the uplink's delivery rate) or bytes taken back for re-sending elsewhere.
     */
    void addUnacked(long delta, boolean delivered);

    /**
     * Claims the next {@code bytes} of this path's DATA sequence (every flow's DATA bytes in the order this path
     * sends them) for a chunk about to go out on it, and returns where the chunk ends in that sequence; -1 when
     * the path does not keep one. A path delivers in order (one QUIC stream), so comparing this with
     * {@link #deliveredSequence()} tells exactly which of its chunks have reached the far end.
     */
    default long claimSequence(int bytes) {
        return -1;
    }

    /** How much of this path's DATA sequence the far end reports it has received; -1 when unknown. */
    default long deliveredSequence() {
        return -1;
    }
}
