package io.quicbond.interop.emulator;

import java.io.IOException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One direction of an emulated link, whatever carries its packets: the {@link Shaper}'s decisions (queue, rate,
 * loss, delay, outage) plus a sending thread that hands each admitted packet to a {@link Sink} at its delivery
 * time. The UDP relay ({@link LinkEmulator}) and the TUN forwarder ({@code emulator.ip.TunLink}) both feed one
 * per direction, so both forms of the emulator shape traffic with the same code.
 *
 * <p>Threads: {@link #offer} is called by the one thread that reads this direction's packets; the sending thread
 * is a platform thread of its own (parked with {@link LockSupport#parkNanos}, which keeps delivery within a
 * fraction of a millisecond of its due time; delivery times are absolute, so a late wake-up never lowers the
 * long-run rate). Cut, restore, profile changes and stats may be called from any thread.
 */
public final class ShapedDirection implements AutoCloseable {

    /** Where delivered packets go; called by the sending thread only. */
    @FunctionalInterface
    public interface Sink {
        /**
         * Hands one packet on.
         *
         * @return false when there was nowhere to send it yet (counted as a send error)
         * @throws IOException when the operating system refused it (counted as a send error; the thread goes on)
         */
        boolean deliver(byte[] packet) throws IOException;
    }

    private final Shaper shaper;
    private final Sink sink;
    /** Delivery times never decrease along it (the shaper keeps FIFO order), so the head is always due first. */
    private final ConcurrentLinkedQueue<Shaper.Packet> queue = new ConcurrentLinkedQueue<>();
    private final Thread sender;
    /** Set by the sender before it parks with nothing to send, so that {@link #offer} knows to wake it. */
    private volatile boolean senderIdle;
    private volatile boolean closed;

    /**
     * Starts the sending thread.
     *
     * @param threadName name of the sending thread
     */
    public ShapedDirection(String threadName, LinkProfile profile, Sink sink) {
        this.shaper = new Shaper(Objects.requireNonNull(profile, "profile"), new SplittableRandom(), System.nanoTime());
        this.sink = Objects.requireNonNull(sink, "sink");
        this.sender = Thread.ofPlatform().daemon().name(threadName).unstarted(this::sendLoop);
        sender.start();
    }

    /**
     * Decides the fate of a packet that arrived at {@code nowNanos} ({@link System#nanoTime()}); an admitted one is
     * delivered later by the sending thread. The caller must not change {@code packet} afterwards.
     */
    public void offer(byte[] packet, long nowNanos) {
        Shaper.Packet admitted = shaper.offer(packet, nowNanos);
        if (admitted != null) {
            queue.add(admitted);
            // A sender waiting for the head's time needs no wake-up: a new packet is never due before it.
            if (senderIdle) {
                LockSupport.unpark(sender);
            }
        }
    }

    /** Blackholes (false) or restores (true) this direction, including what is on the wire when it goes down. */
    public void setLinkUp(boolean up) {
        shaper.setLinkUp(up, System.nanoTime());
        // Let the sender discard dead packets now rather than when the first falls due: after a restore with a
        // shorter delay, fresh packets would otherwise wait behind them.
        LockSupport.unpark(sender);
    }

    public boolean linkUp() {
        return shaper.linkUp();
    }

    /**
     * Changes the behaviour from the next arriving packet on; packets already admitted keep their timing, except
     * that switching the direction off drops them.
     */
    public void setProfile(LinkProfile profile) {
        shaper.setProfile(Objects.requireNonNull(profile, "profile"), System.nanoTime());
        LockSupport.unpark(sender);
    }

    public LinkProfile profile() {
        return shaper.profile();
    }

    public DirectionStats stats() {
        return shaper.stats(System.nanoTime());
    }

    /** Stops the sending thread (waits up to 1 s); packets still queued are dropped. Idempotent. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sender);
        if (Thread.currentThread() != sender) {
            try {
                sender.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void sendLoop() {
        while (!closed) {
            Shaper.Packet packet = queue.peek();
            if (packet == null) {
                // Flag first, look again, then park: an add that the second look misses sees the flag and
                // unparks us, so no packet can be left waiting for a wake-up that never comes.
                senderIdle = true;
                if (queue.peek() == null && !closed) {
                    LockSupport.park(this);
                }
                senderIdle = false;
                continue;
            }
            if (!shaper.current(packet)) {
                queue.poll();
                shaper.beginDelivery(packet);
                continue;
            }
            long wait = packet.deliverAt() - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            queue.poll();
            if (!shaper.beginDelivery(packet)) {
                continue;
            }
            try {
                if (sink.deliver(packet.data())) {
                    shaper.delivered(packet.data().length);
                } else {
                    shaper.sendFailed();
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                shaper.sendFailed();
            }
        }
    }
}
