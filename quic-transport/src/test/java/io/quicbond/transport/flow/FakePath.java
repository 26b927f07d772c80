package io.quicbond.transport.flow;

/** A path that only counts what the stream charges to it. */
final class FakePath implements PathAccount {
    private final int id;
    long unacked;
    long delivered;

    FakePath(int id) {
        this.id = id;
    }

    @Override
    public int pathId() {
        return id;
    }

    @Override
    public void addUnacked(long delta, boolean delivered) {
        unacked += delta;
        if (delivered) {
            this.delivered -= delta;
        }
    }
}
