package io.quicbond.transport.scheduler;

/** An uplink with scripted figures. */
final class FakeUplink implements UplinkView {
    final String name;
    boolean healthy = true;
    boolean primary = true;
    long srttNanos;
    long unacked;
    double rate;
    double weight = 1.0;

    FakeUplink(String name, long srttMillis, double mbitPerSecond) {
        this.name = name;
        this.srttNanos = srttMillis * 1_000_000;
        this.rate = mbitPerSecond * 1e6 / 8;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean healthy() {
        return healthy;
    }

    @Override
    public boolean primary() {
        return primary;
    }

    @Override
    public long srttNanos() {
        return srttNanos;
    }

    @Override
    public long unackedBytes() {
        return unacked;
    }

    @Override
    public double weight() {
        return weight;
    }

    @Override
    public double deliveryRate() {
        return rate;
    }
}
