package io.quicbond.transport.flow;

/** A path that only counts what the stream charges to it, and keeps a DATA sequence as an uplink does. */
final class FakePath implements PathAccount {
    private final int id;
    long unacked;
    long delivered;
    long sequence;
    /** What the far end "reported" receiving of the sequence; -1 = no report yet. */
    long farEndReceived = -1;

    FakePath(int id) {
        this.id = id;
    }

    @Override
    public int pathId() {
        return id;
    }

    @Override
    public long claimSequence(int bytes) {
        return sequence += bytes;
    }

    @Override
    public long deliveredSequence() {
        return farEndReceived;
    }

    @Override
    public void addUnacked(long delta, boolean delivered) {
        unacked += delta;
        if (delivered) {
            this.delivered -= delta;
        }
    }
}
