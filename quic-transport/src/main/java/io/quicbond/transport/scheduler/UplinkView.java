package io.quicbond.transport.scheduler;

/** What the scheduler reads of an uplink. Implementations answer from the caller's thread without blocking. */
public interface UplinkView {
    String name();

    /** Up and not silent. */
    boolean healthy();

    /** Primary tier; false = backup, which carries flow data only while no primary uplink is healthy. */
    boolean primary();

    /** Scales the delivery-rate estimate in the aggregate policy; 1.0 = as measured. */
    default double weight() {
        return 1.0;
    }

    /** Smoothed RTT in nanoseconds; a default guess before the first sample. */
    long srttNanos();

    /** Flow bytes sent on this uplink that the far end has not acknowledged (queued + in flight). */
    long unackedBytes();

    /** Recent delivery rate in bytes per second; 0 when not yet known. */
    double deliveryRate();
}
