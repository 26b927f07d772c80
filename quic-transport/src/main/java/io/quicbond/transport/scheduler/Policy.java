package io.quicbond.transport.scheduler;

/** How a flow's chunks are placed on uplinks (DESIGN.md, "The scheduler"). */
public enum Policy {
    /** Each chunk on the uplink that will deliver it first; the links' rates add up. The default. */
    AGGREGATE,
    /** The healthy uplink with the lowest RTT; the others only when it fails. */
    LOWEST_LATENCY,
    /** Every chunk and datagram on every healthy uplink; the receiver keeps the first copy. */
    REDUNDANT,
    /** Primary uplinks only; backups carry traffic only while no primary is up. */
    FAILOVER;

    public static Policy parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown policy '" + s + "' (aggregate, lowest-latency, redundant, failover)");
        }
    }
}
