package io.quicbond.transport.scheduler;

/** What the scheduler reads of an uplink. Implementations answer from the caller's thread without blocking. */
public interface UplinkView {
    String name();

    /** Up and not silent. */
    boolean healthy();

    /** Primary tier (false = backup, used by the failover policy only when no primary is up). */
    boolean primary();

    /** Smoothed RTT in nanoseconds; a default guess before the first sample. */
    long srttNanos();

    /** Flow bytes sent on this uplink that the far end has not acknowledged (queued + in flight). */
    long unackedBytes();

    /** Recent delivery rate in bytes per second; 0 when not yet known. */
    double deliveryRate();
}
