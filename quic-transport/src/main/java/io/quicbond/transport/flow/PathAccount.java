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
}
