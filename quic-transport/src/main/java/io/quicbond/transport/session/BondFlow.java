package io.quicbond.transport.session;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.flow.IncomingStream;
import io.quicbond.transport.flow.OutgoingStream;
import io.quicbond.transport.flow.UdpDeduplicator;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.scheduler.Policy;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One flow inside a session, the same object at both ends: a TCP flow has an {@link OutgoingStream} and an
 * {@link IncomingStream}; a UDP flow has sequence numbers and a duplicate filter.
 */
final class BondFlow {
    final int id;
    final Frame.Protocol protocol;
    final Destination destination;
    final Policy policy;
    final CompletableFuture<Frame.OpenResult> opened = new CompletableFuture<>();
    final AtomicBoolean ended = new AtomicBoolean();

    // TCP
    volatile OutgoingStream out;
    final IncomingStream in;

    // UDP
    private final UdpDeduplicator dedup = new UdpDeduplicator();
    private final AtomicLong nextSequence = new AtomicLong();
    volatile Consumer<byte[]> udpReceiver = p -> { };
    volatile long lastActivityNanos = System.nanoTime();
    final AtomicLong udpPacketsDropped = new AtomicLong();

    BondFlow(int id, Frame.Protocol protocol, Destination destination, Policy policy, long window) {
        this.id = id;
        this.protocol = protocol;
        this.destination = destination;
        this.policy = policy;
        this.in = protocol == Frame.Protocol.TCP ? new IncomingStream(id, window) : null;
    }

    boolean isTcp() {
        return protocol == Frame.Protocol.TCP;
    }

    /**
     * Starts the send side once the peer's window is known (from OPEN or OPEN_RESULT); later calls keep it.
     * Synchronized: OPEN_RESULT comes on every uplink, and two uplinks' readers handled their copies at once. Both
     * saw no send side and both made one; the application wrote its first bytes into the first, the second then
     * replaced it, and what followed went out from offset 0 again with a FIN at its own end. The far end took a
     * clean end of the flow after the first 5 MiB of 10 (a kwik failover test, once in about ten runs).
     */
    synchronized void startSending(long sendBuffer, long peerWindow) {
        if (isTcp() && out == null) {
            out = new OutgoingStream(id, sendBuffer, peerWindow);
        }
    }

    boolean isOpen() {
        return opened.isDone() && !opened.isCompletedExceptionally() && opened.join().error() == null && !ended.get();
    }

    long nextUdpSequence() {
        lastActivityNanos = System.nanoTime();
        return nextSequence.getAndIncrement() & 0xffffffffL;
    }

    /** Delivers a received UDP packet unless it is a duplicate. */
    void deliverUdp(long sequence, byte[] payload) {
        boolean fresh;
        synchronized (dedup) {
            fresh = dedup.accept(sequence);
        }
        if (fresh) {
            lastActivityNanos = System.nanoTime();
            udpReceiver.accept(payload);
        }
    }

    /** Ends the flow locally (both halves), so blocked readers and writers wake with the reason. */
    void terminate(FlowError reason, String message) {
        OutgoingStream o = out;
        if (o != null) {
            o.abort(reason + " (" + message + ")");
        }
        if (in != null) {
            in.reset(reason, message);
        }
        opened.completeExceptionally(new io.quicbond.transport.FlowOpenException(reason, message));
    }

    boolean isFinished() {
        if (!isTcp()) {
            return ended.get();
        }
        OutgoingStream o = out;
        return ended.get() || (o != null && o.isFinished() && in.isFinished());
    }

    @Override
    public String toString() {
        return "flow " + id + " " + protocol + " " + destination;
    }
}
