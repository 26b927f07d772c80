package io.quicbond.interop.emulator;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The decisions of one direction: queue, serialisation, loss, delay, outage. No threads and no clock of its
 * own (times are {@link System#nanoTime()} values passed in), so its semantics can be tested exactly.
 *
 * <p>Times are compared by subtraction only, as {@code nanoTime} values may be negative or wrap.
 */
final class Shaper {

    /** An admitted datagram, to be handed over at {@code deliverAt} unless an outage began after {@code epoch}. */
    record Packet(byte[] data, long deliverAt, long epoch) {
    }

    private record Pending(long departure, int size) {
    }

    private final RandomGenerator random;
    private LinkProfile profile;
    private boolean linkUp = true;
    /** Bumped by every outage, so that packets on the wire when it began are dropped too, as on a dead radio. */
    private volatile long epoch;
    private long lastDeparture;
    private long lastDelivery;
    /** Admitted packets whose serialisation has not ended yet; their sizes sum to {@link #backlogBytes}. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private long backlogBytes;

    private long packetsIn;
    private long bytesIn;
    private long admitted;
    private long packetsDelivered;
    private long bytesDelivered;
    private long droppedQueue;
    private long droppedLoss;
    private long droppedOutage;
    private long droppedInFlight;
    private long sendErrors;

    Shaper(LinkProfile profile, RandomGenerator random, long now) {
        this.profile = Objects.requireNonNull(profile, "profile");
        this.random = Objects.requireNonNull(random, "random");
        this.lastDeparture = now;
        this.lastDelivery = now;
    }

    /** Decides the fate of a datagram that arrives at {@code now}; null means it was dropped (and counted). */
    synchronized Packet offer(byte[] data, long now) {
        packetsIn++;
        bytesIn += data.length;
        if (!linkUp || !profile.up()) {
            droppedOutage++;
            return null;
        }
        long departure = now;
        long rate = profile.bitsPerSecond();
        if (rate > 0) {
            drainDeparted(now);
            // Same test as Linux's bfifo: the packet must fit in what is left of the limit.
            if (backlogBytes + data.length > profile.effectiveQueueLimitBytes()) {
                droppedQueue++;
                return null;
            }
            long start = lastDeparture - now > 0 ? lastDeparture : now;
            departure = start + serialisationNanos(data.length, rate);
            lastDeparture = departure;
            pending.addLast(new Pending(departure, data.length));
            backlogBytes += data.length;
        }
        // Decided after queueing: a packet lost on the wire has still taken its turn on it.
        if (profile.loss() > 0 && random.nextDouble() < profile.loss()) {
            droppedLoss++;
            return null;
        }
        long deliverAt = departure + profile.delay().toNanos();
        // A wire does not reorder: when the delay shrinks at run time, packets bunch up instead of overtaking.
        if (lastDelivery - deliverAt > 0) {
            deliverAt = lastDelivery;
        }
        lastDelivery = deliverAt;
        admitted++;
        return new Packet(data, deliverAt, epoch);
    }

    static long serialisationNanos(int bytes, long bitsPerSecond) {
        // bytes <= 65535, so bytes * 8e9 stays far below Long.MAX_VALUE; rounding keeps the long-run rate exact.
        return (bytes * 8_000_000_000L + bitsPerSecond / 2) / bitsPerSecond;
    }

    private void drainDeparted(long now) {
        Pending head;
        while ((head = pending.peekFirst()) != null && head.departure() - now <= 0) {
            pending.pollFirst();
            backlogBytes -= head.size();
        }
    }

    /** True while the packet's outage epoch is current; read without the lock by the sender's fast path. */
    boolean current(Packet p) {
        return p.epoch() == epoch;
    }

    /** Called by the sender just before it hands the packet on; false means drop it (counted here). */
    synchronized boolean beginDelivery(Packet p) {
        if (p.epoch() != epoch) {
            droppedInFlight++;
            return false;
        }
        return true;
    }

    synchronized void delivered(int bytes) {
        packetsDelivered++;
        bytesDelivered += bytes;
    }

    synchronized void sendFailed() {
        sendErrors++;
    }

    synchronized void setLinkUp(boolean up, long now) {
        boolean wasUp = linkUp && profile.up();
        linkUp = up;
        stateChanged(wasUp, now);
    }

    synchronized void setProfile(LinkProfile newProfile, long now) {
        boolean wasUp = linkUp && profile.up();
        profile = Objects.requireNonNull(newProfile, "profile");
        stateChanged(wasUp, now);
    }

    private void stateChanged(boolean wasUp, long now) {
        if (wasUp && !(linkUp && profile.up())) {
            epoch++;
            // The queue and the wire are empty after an outage: nothing admitted before it will ever leave.
            pending.clear();
            backlogBytes = 0;
            lastDeparture = now;
            lastDelivery = now;
        }
    }

    synchronized LinkProfile profile() {
        return profile;
    }

    synchronized boolean linkUp() {
        return linkUp;
    }

    synchronized DirectionStats stats(long now) {
        drainDeparted(now);
        long inFlight = admitted - packetsDelivered - droppedInFlight - sendErrors;
        return new DirectionStats(packetsIn, bytesIn, packetsDelivered, bytesDelivered, droppedQueue, droppedLoss,
                droppedOutage + droppedInFlight, sendErrors, backlogBytes, inFlight);
    }
}
