package io.quicbond.transport.flow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The sending half of a TCP flow: bytes the application wrote, kept until the far end acknowledges them at
 * flow level, so that they can be re-sent on another uplink when the one that carried them dies.
 *
 * <p>Offsets are "virtual": bytes 0..finalSize-1 are data, and once the application closes its side the FIN
 * occupies one more position (finalSize), so a single range arithmetic covers data and FIN alike.
 *
 * <p>Threads: the application thread calls {@link #write}/{@link #close()} and may block on the window;
 * uplink writer threads call {@link #takeChunk}; uplink reader threads call {@link #onAck} and
 * {@link #pathFailed}. One lock guards everything; no I/O happens under it.
 */
public final class OutgoingStream {
    private static final int SEGMENT = 64 * 1024;
    /**
     * Acknowledged segments kept for reuse, so that a bulk flow recycles a few arrays instead of allocating 64 KiB
     * for every 64 KiB written (that was most of a sending JVM's allocation).
     */
    private static final int SPARE_SEGMENTS = 2;

    private final int flowId;
    private final long bufferLimit;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition spaceAvailable = lock.newCondition();

    // Buffered bytes, as a queue of fixed-size segments; the first starts at flow offset segmentsStart. Only
    // whole segments below the acknowledged offset are released, and the last one (being filled) stays.
    private final ArrayDeque<byte[]> segments = new ArrayDeque<>();
    private int lastSegmentFill = SEGMENT;
    private long segmentsStart;
    private final ArrayDeque<byte[]> spareSegments = new ArrayDeque<>(SPARE_SEGMENTS);
    private long written;
    private long finalSize = -1;
    private boolean aborted;
    private String abortReason = "reset";

    private long acked;
    private long peerLimit;
    private long nextNew;
    /** Ranges to send again (start → end), because the uplink that carried them failed or they were late. */
    private final TreeMap<Long, Long> retransmit = new TreeMap<>();
    /** What each uplink carried and is not yet acknowledged. */
    private final Map<PathAccount, List<SentRange>> inFlight = new HashMap<>();
    /** Redundant mode: each uplink sends the whole flow independently from its own cursor. */
    private final Map<PathAccount, Long> redundantCursor = new HashMap<>();
    /**
     * Ranges of failed paths that the far end reported received, so not re-sent at once; kept (with the time of
     * the failure as their send time) until the flow's acknowledgement passes them, so that a report that turns
     * out wrong cannot leave a hole nothing will fill.
     */
    private final List<SentRange> parked = new ArrayList<>();

    /**
     * How long past its deadline a head-of-line range the far end reported received may go without the flow's
     * acknowledgement passing it before it is sent again anyway. The far end acknowledges within about 10 ms of
     * receiving, so this only fires when the report was wrong (a corrupt or cut-short path stream) and waiting
     * longer would stall the flow for good.
     */
    static final long REPORTED_BUT_UNACKED_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /**
     * @param pathEnd    where the range ends in its path's DATA sequence, -1 when the path keeps none
     * @param bytesAhead how much of the path's sequence, this range included, the far end had not reported when
     *                   the range was sent (what had to cross before it); -1 when unknown
     */
    private record SentRange(long start, long end, long sentNanos, long pathEnd, long bytesAhead) {
        /** Whether the far end has it (waiting for earlier bytes in its reorder buffer, or delivered). */
        boolean arrived(long pathDelivered) {
            return pathEnd >= 0 && pathEnd <= pathDelivered;
        }
    }

    /**
     * @param bufferLimit how many unacknowledged bytes the application may have written before {@link #write}
     *                    blocks (the flow's send buffer)
     * @param peerWindow  the far end's initial receive window
     */
    public OutgoingStream(int flowId, long bufferLimit, long peerWindow) {
        this.flowId = flowId;
        this.bufferLimit = bufferLimit;
        this.peerLimit = peerWindow;
    }

    /** Appends application bytes; blocks while the send buffer is full. Throws once the flow is aborted. */
    public void write(byte[] data, int off, int len) throws InterruptedException, java.io.IOException {
        while (len > 0) {
            lock.lock();
            try {
                while (!aborted && finalSize < 0 && written - acked >= bufferLimit) {
                    spaceAvailable.await();
                }
                if (aborted) {
                    throw new java.io.IOException("flow " + flowId + " was reset: " + abortReason);
                }
                if (finalSize >= 0) {
                    throw new java.io.IOException("flow " + flowId + " output already closed");
                }
                int room = (int) Math.min(len, bufferLimit - (written - acked));
                int copied = 0;
                while (copied < room) {
                    if (lastSegmentFill == SEGMENT) {
                        byte[] reused = spareSegments.pollFirst();
                        segments.addLast(reused != null ? reused : new byte[SEGMENT]);
                        lastSegmentFill = 0;
                    }
                    int n = Math.min(room - copied, SEGMENT - lastSegmentFill);
                    System.arraycopy(data, off + copied, segments.peekLast(), lastSegmentFill, n);
                    lastSegmentFill += n;
                    copied += n;
                }
                written += room;
                off += room;
                len -= room;
            } finally {
                lock.unlock();
            }
        }
    }

    /** The application closed its side: after the buffered bytes, a FIN. Idempotent. */
    public void close() {
        lock.lock();
        try {
            if (finalSize < 0) {
                finalSize = written;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The flow was reset: wake and fail blocked writers, drop everything buffered. */
    public void abort() {
        abort("reset");
    }

    /** Like {@link #abort()}, saying why (writers see it in their exception). */
    public void abort(String reason) {
        lock.lock();
        try {
            if (!aborted) {
                abortReason = reason;
            }
            aborted = true;
            for (Map.Entry<PathAccount, List<SentRange>> e : inFlight.entrySet()) {
                e.getKey().addUnacked(-sum(e.getValue()), false);
            }
            inFlight.clear();
            parked.clear();
            retransmit.clear();
            segments.clear();
            spareSegments.clear();
            spaceAvailable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** True when {@link #takeChunk} could return something for a non-redundant uplink. */
    public boolean hasSendable() {
        lock.lock();
        try {
            return !aborted && (!retransmit.isEmpty() || nextNew < sendableEnd());
        } finally {
            lock.unlock();
        }
    }

    /** True when ranges wait to be sent again. */
    public boolean hasRetransmissions() {
        lock.lock();
        try {
            return !aborted && !retransmit.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /** When a range sent on a path should have been reported received at the latest; see {@link #reinjectLate}. */
    @FunctionalInterface
    public interface ArrivalDeadline {
        /**
         * @param bytesAhead what the path had to carry before the range's last byte when it was sent, the range
         *                   included; -1 when unknown
         * @return nanoseconds after sending
         */
        long nanos(PathAccount path, long bytesAhead);
    }

    /** Bytes ready to go now: queued retransmissions plus new bytes the peer's window allows. */
    public long sendableBacklog() {
        lock.lock();
        try {
            long queued = 0;
            for (Map.Entry<Long, Long> e : retransmit.entrySet()) {
                queued += e.getValue() - e.getKey();
            }
            return queued + Math.max(0, sendableEnd() - nextNew);
        } finally {
            lock.unlock();
        }
    }

    /** True when everything including the FIN has been acknowledged. */
    public boolean isFinished() {
        lock.lock();
        try {
            return finalSize >= 0 && acked > finalSize;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next piece for {@code path} to send, at most {@code maxBytes} long, or null when nothing can be sent:
     * first anything due for retransmission, then new bytes within the peer's window. With
     * {@code redundant}, the path instead continues from its own cursor, so every path carries every byte.
     */
    public Chunk takeChunk(PathAccount path, int maxBytes, boolean redundant, long nowNanos) {
        return takeChunk(path, maxBytes, redundant, nowNanos, null, 0);
    }

    /**
     * As {@link #takeChunk(PathAccount, int, boolean, long)}, but copies the bytes into {@code into} from
     * {@code intoOffset} (which must have room for {@code maxBytes}) instead of into a new array, so that an
     * uplink's writer can put them straight behind the frame header in its batch.
     */
    public Chunk takeChunk(PathAccount path, int maxBytes, boolean redundant, long nowNanos, byte[] into,
                           int intoOffset) {
        return takeChunk(path, maxBytes, redundant, true, nowNanos, into, intoOffset);
    }

    /**
     * As above; with {@code retransmissions} false the path is given only new bytes, and ranges due for
     * retransmission wait for another path (the session keeps them for the fastest uplink while it has room).
     */
    public Chunk takeChunk(PathAccount path, int maxBytes, boolean redundant, boolean retransmissions,
                           long nowNanos, byte[] into, int intoOffset) {
        if (into != null) {
            java.util.Objects.checkFromIndexSize(intoOffset, maxBytes, into.length);
        }
        lock.lock();
        try {
            if (aborted) {
                return null;
            }
            long start;
            long end;
            boolean retransmission = false;
            Map.Entry<Long, Long> due = retransmissions ? retransmit.firstEntry() : null;
            if (due != null) {
                start = due.getKey();
                end = Math.min(due.getValue(), start + maxBytes);
                retransmit.remove(start);
                if (end < due.getValue()) {
                    retransmit.put(end, due.getValue());
                }
                retransmission = true;
            } else if (redundant) {
                start = Math.max(redundantCursor.getOrDefault(path, acked), acked);
                end = Math.min(sendableEnd(), start + maxBytes);
                if (end <= start) {
                    return null;
                }
                redundantCursor.put(path, end);
                nextNew = Math.max(nextNew, end);
            } else {
                start = nextNew;
                end = Math.min(sendableEnd(), start + maxBytes);
                if (end <= start) {
                    return null;
                }
                nextNew = end;
            }
            Chunk chunk = copyOut(start, end, retransmission, into, intoOffset);
            long pathEnd = path.claimSequence(chunk.length());
            long reported = path.deliveredSequence();
            long bytesAhead = pathEnd >= 0 && reported >= 0 ? pathEnd - reported : -1;
            inFlight.computeIfAbsent(path, p -> new ArrayList<>())
                    .add(new SentRange(start, end, nowNanos, pathEnd, bytesAhead));
            path.addUnacked(end - start, false);
            return chunk;
        } finally {
            lock.unlock();
        }
    }

    private long sendableEnd() {
        long dataEnd = Math.min(written, peerLimit);
        if (finalSize >= 0 && dataEnd >= finalSize) {
            return finalSize + 1; // the FIN needs no window
        }
        return dataEnd;
    }

    private Chunk copyOut(long start, long end, boolean retransmission, byte[] into, int intoOffset) {
        boolean fin = finalSize >= 0 && end == finalSize + 1;
        long dataEnd = fin ? finalSize : end;
        int length = (int) (dataEnd - start);
        byte[] out = into != null ? into : new byte[length];
        int outOffset = into != null ? intoOffset : 0;
        int copied = 0;
        Iterator<byte[]> it = segments.iterator();
        long pos = segmentsStart;
        while (copied < length && it.hasNext()) {
            byte[] seg = it.next();
            long segEnd = pos + SEGMENT;
            long from = start + copied;
            if (from < segEnd) {
                int segOff = (int) (from - pos);
                int n = (int) Math.min(length - copied, SEGMENT - segOff);
                System.arraycopy(seg, segOff, out, outOffset + copied, n);
                copied += n;
            }
            pos = segEnd;
        }
        if (copied != length) {
            throw new IllegalStateException("flow " + flowId + ": bytes " + start + ".." + dataEnd + " not buffered");
        }
        return new Chunk(flowId, start, out, outOffset, length, fin, retransmission);
    }

    /**
     * The far end acknowledged everything below {@code received} and allows sending below {@code limit}.
     * Returns true when this freed buffer space or opened the window (so writers should be woken).
     */
    public boolean onAck(long received, long limit) {
        lock.lock();
        try {
            boolean progress = false;
            long maxAckable = finalSize >= 0 ? finalSize + 1 : written;
            received = Math.min(received, maxAckable);
            if (received > acked) {
                acked = received;
                progress = true;
                release(Math.min(acked, written));
                trimBelow(acked);
                if (nextNew < acked) {
                    nextNew = acked;
                }
                spaceAvailable.signalAll();
            }
            if (limit > peerLimit) {
                peerLimit = limit;
                progress = true;
            }
            return progress;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The uplink died: what it carried and is unacknowledged must go out again on the others, except what the
     * far end reports it received on that uplink (it waits there for bytes that went another way; re-sending
     * it would spend the survivors' capacity, a second or more of it after a fast link died, on bytes the far
     * end has).
     */
    public long pathFailed(PathAccount path) {
        return pathFailed(path, System.nanoTime());
    }

    /** As {@link #pathFailed(PathAccount)}, at {@code nowNanos} on the clock {@link #reinjectLate} is given. */
    public long pathFailed(PathAccount path, long nowNanos) {
        lock.lock();
        try {
            redundantCursor.remove(path);
            List<SentRange> ranges = inFlight.remove(path);
            if (ranges == null) {
                return 0;
            }
            long delivered = path.deliveredSequence();
            long moved = 0;
            for (SentRange r : ranges) {
                long start = Math.max(r.start, acked);
                if (start >= r.end) {
                    continue;
                }
                if (r.arrived(delivered)) {
                    parked.add(new SentRange(start, r.end, nowNanos, -1, -1));
                } else {
                    addRetransmit(start, r.end);
                    moved += r.end - start;
                }
            }
            path.addUnacked(-sum(ranges), false);
            return moved;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Head-of-line rescue: if the range holding up the far end's in-order delivery (the one containing the
     * acknowledged offset) was sent on another path than {@code fastest} longer ago than that path's deadline,
     * queue it for retransmission, so that a slow or lossy path cannot stall the flow. A range the far end
     * reported received on its path (or a failed path's, parked by {@link #pathFailed}) goes again only once the
     * flow's acknowledgement has failed to pass it for {@link #REPORTED_BUT_UNACKED_GRACE_NANOS} beyond that.
     * Nothing goes while another copy of that offset is still in time (a rescue already sent and not yet due,
     * or any unreported copy on {@code fastest}): the session asks every few milliseconds, and re-queuing at
     * each ask put six copies of the same 16 kB behind the fastest uplink's queue during one 130 ms wait for a
     * 10 Mbit/s uplink, none of them sooner than the first. Returns the bytes queued.
     */
    public long reinjectLate(long nowNanos, ArrivalDeadline deadline, PathAccount fastest) {
        lock.lock();
        try {
            if (!retransmit.isEmpty() || aborted) {
                return 0;
            }
            long rescueEnd = -1;
            for (Map.Entry<PathAccount, List<SentRange>> e : inFlight.entrySet()) {
                long delivered = e.getKey().deliveredSequence();
                for (SentRange r : e.getValue()) {
                    if (r.start > acked || r.end <= acked) {
                        continue;
                    }
                    long age = nowNanos - r.sentNanos;
                    long due = deadline.nanos(e.getKey(), r.bytesAhead);
                    long late = age > due ? age - due : -1; // how far past its deadline, -1 when not yet
                    boolean reported = r.arrived(delivered);
                    // An unreported copy on the fastest path is left to its own QUIC stream, which repairs it
                    // soonest; a reported copy is trusted for the grace.
                    boolean overdue = reported ? late > REPORTED_BUT_UNACKED_GRACE_NANOS
                            : late > 0 && e.getKey() != fastest;
                    if (!overdue) {
                        return 0;
                    }
                    rescueEnd = Math.max(rescueEnd, r.end);
                }
            }
            for (SentRange r : parked) {
                if (r.start <= acked && r.end > acked && nowNanos - r.sentNanos > REPORTED_BUT_UNACKED_GRACE_NANOS) {
                    rescueEnd = Math.max(rescueEnd, r.end);
                }
            }
            if (rescueEnd < 0) {
                return 0;
            }
            addRetransmit(acked, rescueEnd);
            return rescueEnd - acked;
        } finally {
            lock.unlock();
        }
    }

    private void addRetransmit(long start, long end) {
        Long existing = retransmit.get(start);
        if (existing == null || existing < end) {
            retransmit.put(start, end);
        }
    }

    private void trimBelow(long offset) {
        for (Iterator<Map.Entry<PathAccount, List<SentRange>>> it = inFlight.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<PathAccount, List<SentRange>> e = it.next();
            long freed = 0;
            for (Iterator<SentRange> rs = e.getValue().iterator(); rs.hasNext(); ) {
                SentRange r = rs.next();
                if (r.end <= offset) {
                    freed += r.end - r.start;
                    rs.remove();
                }
            }
            e.getKey().addUnacked(-freed, true);
            if (e.getValue().isEmpty()) {
                it.remove();
            }
        }
        parked.removeIf(r -> r.end <= offset);
        while (!retransmit.isEmpty() && retransmit.firstEntry().getValue() <= offset) {
            retransmit.pollFirstEntry();
        }
        Map.Entry<Long, Long> first = retransmit.firstEntry();
        if (first != null && first.getKey() < offset) {
            retransmit.pollFirstEntry();
            retransmit.put(offset, first.getValue());
        }
    }

    private void release(long upTo) {
        while (segments.size() > 1 && upTo >= segmentsStart + SEGMENT) {
            byte[] done = segments.pollFirst();
            if (spareSegments.size() < SPARE_SEGMENTS) {
                spareSegments.addLast(done);
            }
            segmentsStart += SEGMENT;
        }
    }

    private static long sum(List<SentRange> ranges) {
        long s = 0;
        for (SentRange r : ranges) {
            s += r.end - r.start;
        }
        return s;
    }

    /** Waits up to the timeout for everything (FIN included) to be acknowledged; returns whether it was. */
    public boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            while (!(finalSize >= 0 && acked > finalSize) && !aborted) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                spaceAvailable.awaitNanos(left);
            }
            return !aborted;
        } finally {
            lock.unlock();
        }
    }

    /** Where the stream stands, for diagnostics: what was written, sent, acknowledged, and what waits where. */
    @Override
    public String toString() {
        lock.lock();
        try {
            StringBuilder b = new StringBuilder("out{written=").append(written).append(" final=").append(finalSize)
                    .append(" nextNew=").append(nextNew).append(" acked=").append(acked).append(" peerLimit=")
                    .append(peerLimit).append(" retransmit=").append(retransmit).append(" parked=")
                    .append(parked.size()).append(aborted ? " aborted " + abortReason : "");
            inFlight.forEach((path, ranges) -> b.append(" inFlight[").append(path).append("]=").append(sum(ranges)));
            return b.append('}').toString();
        } finally {
            lock.unlock();
        }
    }
}
