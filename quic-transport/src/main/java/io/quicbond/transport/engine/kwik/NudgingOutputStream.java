package io.quicbond.transport.engine.kwik;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Works around kwik 0.10.9's stream stall (KWIK.md defect 1): a race in StreamOutputStreamImpl can leave
 * buffered data with no send request queued. A writer blocked in {@code write} then waits forever, and data
 * written just before the stream goes idle is never sent. A zero-length write queues a fresh send request (and
 * is otherwise a no-op, as the send buffer treats empty buffers as nothing), so a shared timer nudges every
 * stream whose write has been blocked for longer than {@link #NUDGE_AFTER_NANOS}, and every stream written to
 * within the last {@link #NUDGE_AFTER_WRITE_NANOS}. A kwik upgrade that fixes
 * scheduleSendStreamFrameRequest makes this unnecessary; BondLargeTransferIT and the UDP fallback tests show
 * whether it still is. Public for the benchmark's raw-kwik baseline, which must carry the same workaround to be
 * comparable; the bond itself reaches it only through {@link KwikEngine}.
 */
public final class NudgingOutputStream extends OutputStream {
    static final long NUDGE_AFTER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long NUDGE_AFTER_WRITE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    private static final byte[] EMPTY = new byte[0];
    /** Streams being written or written recently. */
    private static final Set<NudgingOutputStream> TRACKED = ConcurrentHashMap.newKeySet();
    private static final java.util.concurrent.atomic.AtomicLong NUDGES = new java.util.concurrent.atomic.AtomicLong();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kwik-stream-nudger");
        t.setDaemon(true);
        return t;
    });

    static {
        TIMER.scheduleWithFixedDelay(NudgingOutputStream::nudgeTracked, 50, 50, TimeUnit.MILLISECONDS);
    }

    private final OutputStream delegate;
    private volatile long writeStartedNanos;
    private volatile long lastWriteNanos;
    private volatile boolean writing;

    public NudgingOutputStream(OutputStream delegate) {
        this.delegate = delegate;
    }

    /** Zero-length writes sent so far, over every stream of this process. */
    public static long nudgesSent() {
        return NUDGES.get();
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[]{(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        writeStartedNanos = System.nanoTime();
        writing = true;
        TRACKED.add(this);
        try {
            delegate.write(b, off, len);
        } finally {
            writing = false;
            lastWriteNanos = System.nanoTime();
            TRACKED.add(this);
        }
    }

    @Override
    public void flush() throws IOException {
        delegate.flush();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

    private static void nudgeTracked() {
        long now = System.nanoTime();
        for (NudgingOutputStream s : TRACKED) {
            boolean blocked = s.writing && now - s.writeStartedNanos > NUDGE_AFTER_NANOS;
            boolean recentlyWritten = !s.writing && now - s.lastWriteNanos < NUDGE_AFTER_WRITE_NANOS;
            if (!s.writing && !recentlyWritten) {
                TRACKED.remove(s); // idle long enough: everything written has been nudged out
                if (s.writing) {
                    TRACKED.add(s); // a write began meanwhile
                }
                continue;
            }
            if (blocked || recentlyWritten) {
                try {
                    s.delegate.write(EMPTY, 0, 0);
                    NUDGES.incrementAndGet();
                } catch (IOException | RuntimeException e) {
                    TRACKED.remove(s);
                }
            }
        }
    }
}
