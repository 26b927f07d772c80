package io.quicbond.transport.flow;

import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowResetException;
import io.quicbond.transport.frame.BondProtocolException;
import io.quicbond.transport.frame.ErrorCode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The receiving half of a TCP flow: chunks arrive from any uplink, in any order, possibly twice; they leave in
 * order through {@link #read}. The receive window bounds memory: the far end may only send below
 * {@link #limit()}, which advances as the application consumes.
 *
 * <p>Threads: uplink reader threads call {@link #offer}; one application thread calls {@link #read}; the
 * session's housekeeping thread reads the ack state. One lock guards everything.
 */
public final class IncomingStream {
    private final int flowId;
    private final long window;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();

    private final TreeMap<Long, byte[]> outOfOrder = new TreeMap<>();
    private long outOfOrderBytes;
    private final ArrayDeque<byte[]> ready = new ArrayDeque<>();
    private int readyHeadPos;
    private long contiguous;
    private long consumed;
    private long finalSize = -1;
    private FlowError resetReason;
    private boolean discarding;
    private String resetMessage;

    private long ackedReceived;
    private long ackedLimit;
    private boolean ackWanted;

    public IncomingStream(int flowId, long window) {
        this.flowId = flowId;
        this.window = window;
        this.ackedLimit = window;
    }

    /**
     * Accepts a chunk. Bytes already received are ignored (a duplicate from redundant mode or a re-send).
     *
     * @throws BondProtocolException if the chunk lies beyond the advertised window or contradicts the final size
     */
    public void offer(long offset, byte[] payload, boolean fin) throws BondProtocolException {
        long end = offset + payload.length;
        lock.lock();
        try {
            if (resetReason != null) {
                return;
            }
            // Every limit ever advertised is <= consumed + window, since consumed only grows.
            if (end > consumed + window) {
                throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "flow " + flowId + ": data up to " + end
                        + " beyond the window limit " + (consumed + window));
            }
            if (fin) {
                if (finalSize >= 0 && finalSize != end) {
                    throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "flow " + flowId
                            + ": final size changed from " + finalSize + " to " + end);
                }
                long highest = Math.max(contiguous, outOfOrder.isEmpty() ? 0 : lastOutOfOrderEnd());
                if (end < highest) {
                    throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "flow " + flowId + ": final size "
                            + end + " below data already received up to " + highest);
                }
                finalSize = end;
            } else if (finalSize >= 0 && end > finalSize) {
                throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "flow " + flowId + ": data "
                        + offset + ".." + end + " beyond the final size " + finalSize);
            }
            if (end <= contiguous) {
                // A duplicate: the sender re-sent what we have, so it may have missed our ACK.
                ackWanted = true;
                readable.signalAll();
                return;
            }
            if (payload.length > 0) {
                byte[] existing = outOfOrder.get(offset);
                if (existing == null || existing.length < payload.length) {
                    outOfOrder.put(offset, payload);
                    outOfOrderBytes += payload.length - (existing == null ? 0 : existing.length);
                }
                if (outOfOrderBytes > 2 * window + 65536) {
                    throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "flow " + flowId
                            + ": too many overlapping chunks buffered");
                }
            }
            drain();
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private long lastOutOfOrderEnd() {
        Map.Entry<Long, byte[]> last = outOfOrder.lastEntry();
        return last.getKey() + last.getValue().length;
    }

    private void drain() {
        Map.Entry<Long, byte[]> e;
        while ((e = outOfOrder.firstEntry()) != null && e.getKey() <= contiguous) {
            outOfOrder.pollFirstEntry();
            byte[] bytes = e.getValue();
            outOfOrderBytes -= bytes.length;
            long end = e.getKey() + bytes.length;
            if (end <= contiguous) {
                continue;
            }
            int skip = (int) (contiguous - e.getKey());
            if (skip > 0) {
                byte[] rest = new byte[bytes.length - skip];
                System.arraycopy(bytes, skip, rest, 0, rest.length);
                bytes = rest;
            }
            contiguous = end;
            if (discarding) {
                consumed = contiguous;
            } else {
                ready.addLast(bytes);
            }
        }
    }

    /**
     * The application stopped reading: from now on arriving bytes are acknowledged and dropped, so the far end
     * can still finish its side cleanly.
     */
    public void discard() {
        lock.lock();
        try {
            discarding = true;
            ready.clear();
            readyHeadPos = 0;
            consumed = contiguous;
            ackWanted = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads in-order bytes; blocks until some arrive. Returns -1 at the FIN.
     *
     * @throws FlowResetException if the flow was reset
     */
    public int read(byte[] buf, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        lock.lock();
        try {
            while (ready.isEmpty() && resetReason == null && !(finalSize >= 0 && consumed == finalSize)) {
                readable.await();
            }
            if (resetReason != null) {
                throw new FlowResetException(resetReason, resetMessage);
            }
            if (ready.isEmpty()) {
                return -1;
            }
            int n = 0;
            while (n < len && !ready.isEmpty()) {
                byte[] head = ready.peekFirst();
                int take = Math.min(len - n, head.length - readyHeadPos);
                System.arraycopy(head, readyHeadPos, buf, off + n, take);
                n += take;
                readyHeadPos += take;
                if (readyHeadPos == head.length) {
                    ready.pollFirst();
                    readyHeadPos = 0;
                }
            }
            consumed += n;
            if (consumed + window - ackedLimit >= window / 4) {
                ackWanted = true; // the window opened enough to be worth telling
            }
            return n;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("read interrupted");
        } finally {
            lock.unlock();
        }
    }

    /** The flow was reset (by the peer, or locally): readers fail with the reason. */
    public void reset(FlowError reason, String message) {
        lock.lock();
        try {
            if (resetReason == null) {
                resetReason = reason;
                resetMessage = message;
                outOfOrder.clear();
                ready.clear();
            }
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Everything below this offset arrived; the FIN counts as one position after the last byte. */
    public long received() {
        lock.lock();
        try {
            return contiguous + (finalSize >= 0 && contiguous == finalSize ? 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    public long limit() {
        lock.lock();
        try {
            return consumed + window;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Whether an ACK is due: something arrived since the last one, more than {@code threshold} bytes or the
     * FIN, or a duplicate or a window opening asked for one. {@code force} reports any change at all.
     */
    public boolean ackDue(long threshold, boolean force) {
        lock.lock();
        try {
            long received = contiguous + (finalSize >= 0 && contiguous == finalSize ? 1 : 0);
            long limit = consumed + window;
            if (ackWanted) {
                return true;
            }
            if (received == ackedReceived && limit == ackedLimit) {
                return false;
            }
            return force || received - ackedReceived >= threshold || (finalSize >= 0 && received > finalSize);
        } finally {
            lock.unlock();
        }
    }

    /** Records that an ACK with the current state is being sent, and returns {received, limit} for it. */
    public long[] markAcked() {
        lock.lock();
        try {
            ackWanted = false;
            ackedReceived = contiguous + (finalSize >= 0 && contiguous == finalSize ? 1 : 0);
            ackedLimit = consumed + window;
            return new long[]{ackedReceived, ackedLimit};
        } finally {
            lock.unlock();
        }
    }

    /** Asks for a fresh ACK at the next opportunity (the last one may have been lost with its uplink). */
    public void requestAck() {
        lock.lock();
        try {
            ackWanted = true;
        } finally {
            lock.unlock();
        }
    }

    /** True once the application has read everything up to the FIN. */
    public boolean isFinished() {
        lock.lock();
        try {
            return resetReason != null || (finalSize >= 0 && consumed == finalSize);
        } finally {
            lock.unlock();
        }
    }

    /** Bytes held (in order and out of order), for memory accounting. */
    public long buffered() {
        lock.lock();
        try {
            return contiguous - consumed + outOfOrderBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Where the stream stands, for diagnostics: what arrived in order, what waits out of order, what was read. */
    @Override
    public String toString() {
        lock.lock();
        try {
            return "in{contiguous=" + contiguous + " consumed=" + consumed + " final=" + finalSize + " outOfOrder="
                    + outOfOrder.size() + "/" + outOfOrderBytes + "B"
                    + (outOfOrder.isEmpty() ? "" : " from " + outOfOrder.firstKey()) + " acked=" + ackedReceived
                    + "/" + ackedLimit + (resetReason != null ? " reset " + resetReason : "") + "}";
        } finally {
            lock.unlock();
        }
    }
}
