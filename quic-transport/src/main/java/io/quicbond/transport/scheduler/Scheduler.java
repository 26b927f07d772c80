package io.quicbond.transport.scheduler;

import java.util.List;

/**
 * Decides which uplinks may carry a flow's next chunk. Pure logic over {@link UplinkView}s, no I/O and no
 * clock of its own, so it is tested with fake uplinks. Thread-safe (stateless).
 *
 * <p>The bond's writers pull: each uplink's writer asks whether it may take the next chunk of a flow. For
 * AGGREGATE the answer follows ECF (Lim et al., "ECF: An MPTCP Path Scheduler to Manage Heterogeneous Paths",
 * CoNEXT 2017): a slower uplink takes a chunk only if a faster one could not deliver the flow's whole waiting
 * backlog (ECF's k) before the slower one delivers this chunk. A bulk flow with megabytes waiting so uses every
 * link; a small flow stays on the fast one, and a slow link never holds the flow back.
 */
public final class Scheduler {
    /** Rate assumed for an uplink with no delivery estimate yet, so that new links get tried. */
    public static final double UNKNOWN_RATE = 1_000_000;

    /**
     * Whether {@code candidate} may take the next chunk of {@code chunkBytes} for a flow under {@code policy}.
     * REDUNDANT is handled by the caller (every healthy uplink carries everything).
     */
    public boolean mayCarry(Policy policy, UplinkView candidate, List<? extends UplinkView> uplinks, int chunkBytes) {
        return mayCarry(policy, candidate, uplinks, chunkBytes, chunkBytes);
    }

    /**
     * @param flowBacklog bytes of the flow ready to send now (including this chunk); what a faster uplink would
     *                    have to get through before it could take over the chunk
     */
    public boolean mayCarry(Policy policy, UplinkView candidate, List<? extends UplinkView> uplinks, int chunkBytes,
                            long flowBacklog) {
        if (!candidate.healthy() || !inActiveTier(candidate, uplinks)) {
            return false;
        }
        return switch (policy) {
            case REDUNDANT -> true;
            case LOWEST_LATENCY -> candidate == lowestLatency(uplinks);
            case FAILOVER -> candidate.primary() || uplinks.stream().noneMatch(u -> u.healthy() && u.primary());
            case AGGREGATE -> aggregateAllows(candidate, uplinks, chunkBytes, Math.max(chunkBytes, flowBacklog));
        };
    }

    /**
     * The tier rule, above every policy: a backup uplink carries flow data only while no primary uplink is
     * healthy.
     */
    public static boolean inActiveTier(UplinkView candidate, List<? extends UplinkView> uplinks) {
        if (candidate.primary()) {
            return true;
        }
        for (UplinkView u : uplinks) {
            if (u.primary() && u.healthy()) {
                return false;
            }
        }
        return true;
    }

    /** The healthy uplink of the active tier with the lowest smoothed RTT, or null when none is healthy. */
    public UplinkView lowestLatency(List<? extends UplinkView> uplinks) {
        UplinkView best = null;
        for (UplinkView u : uplinks) {
            if (u.healthy() && inActiveTier(u, uplinks) && (best == null || u.srttNanos() < best.srttNanos())) {
                best = u;
            }
        }
        return best;
    }

    /**
     * Expected time until a chunk handed to {@code u} now has arrived: its backlog drained at its (weighted)
     * delivery rate, plus half an RTT.
     */
    public static double deliveryTimeNanos(UplinkView u, long extraBytes) {
        double rate = (u.deliveryRate() > 0 ? u.deliveryRate() : UNKNOWN_RATE) * u.weight();
        return (u.unackedBytes() + extraBytes) / rate * 1e9 + u.srttNanos() / 2.0;
    }

    private boolean aggregateAllows(UplinkView candidate, List<? extends UplinkView> uplinks, int chunkBytes,
                                    long flowBacklog) {
        double mine = deliveryTimeNanos(candidate, chunkBytes);
        for (UplinkView other : uplinks) {
            if (other == candidate || !other.healthy() || other.primary() != candidate.primary()
                    || other.srttNanos() >= candidate.srttNanos()) {
                continue;
            }
            // A faster uplink that would get through its own queue and the flow's whole waiting backlog before
            // this chunk could arrive here keeps the chunk: sending it on the slow path would only make the
            // receiver wait for it.
            if (deliveryTimeNanos(other, flowBacklog) < mine) {
                return false;
            }
        }
        return true;
    }
}
