package io.quicbond.interop.bench;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The application end of a test transfer against a {@link TrafficServer} (or anything that serves its protocol).
 * Blocking; runs on the caller's thread.
 */
public final class TrafficClient {
    private TrafficClient() {
    }

    /**
     * Sends {@code size} bytes (or fewer, if {@code timeLimit} passes first), half-closes, and waits for the
     * server's count and digest.
     *
     * @param progress counts bytes written as they are accepted by the stream
     */
    public static TransferResult upload(Duplex duplex, long size, Check check, long seed, Duration timeLimit,
                                        AtomicLong progress) {
        long start = System.nanoTime();
        long limitNanos = timeLimit == null ? Long.MAX_VALUE : timeLimit.toNanos();
        Check.Running digest = check.start();
        long sent = 0;
        try {
            OutputStream raw = duplex.output();
            DataOutputStream header = new DataOutputStream(raw);
            writeHeader(header, 'U', check, size, seed);
            Pattern pattern = new Pattern(seed);
            byte[] buf = new byte[TrafficServer.BUFFER];
            while (sent < size && System.nanoTime() - start < limitNanos) {
                int n = (int) Math.min(buf.length, size - sent);
                pattern.fill(buf, 0, n);
                digest.update(buf, 0, n);
                raw.write(buf, 0, n);
                sent += n;
                progress.addAndGet(n);
            }
            raw.flush();
            duplex.halfClose();
            byte[] mine = digest.finish();
            DataInputStream in = new DataInputStream(duplex.input());
            long received = in.readLong();
            long maxGap = in.readLong();
            byte[] theirs = in.readNBytes(in.readUnsignedByte());
            long nanos = System.nanoTime() - start;
            return new TransferResult("up", size, sent, received, nanos, maxGap, Check.hex(mine), Check.hex(theirs),
                    null);
        } catch (IOException | RuntimeException e) {
            return new TransferResult("up", size, sent, -1, System.nanoTime() - start, -1, null, null,
                    e.toString());
        }
    }

    /** Asks for {@code size} bytes and reads them, then the server's digest of what it sent. */
    public static TransferResult download(Duplex duplex, long size, Check check, long seed, AtomicLong progress) {
        long start = System.nanoTime();
        Check.Running digest = check.start();
        long received = 0;
        long maxGap = 0;
        long last = 0;
        long end = 0;
        try {
            DataOutputStream header = new DataOutputStream(duplex.output());
            writeHeader(header, 'D', check, size, seed);
            InputStream in = duplex.input();
            byte[] buf = new byte[TrafficServer.BUFFER];
            while (received < size) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, size - received));
                if (n < 0) {
                    break;
                }
                long now = System.nanoTime();
                if (received > 0) {
                    maxGap = Math.max(maxGap, now - last);
                }
                last = now;
                end = now;
                digest.update(buf, 0, n);
                received += n;
                progress.addAndGet(n);
            }
            byte[] mine = digest.finish();
            if (received < size) {
                return new TransferResult("down", size, size, received, end - start, maxGap, null, Check.hex(mine),
                        "the stream ended after " + received + " of " + size + " bytes");
            }
            DataInputStream trailer = new DataInputStream(in);
            byte[] theirs = trailer.readNBytes(trailer.readUnsignedByte());
            duplex.halfClose();
            return new TransferResult("down", size, size, received, end - start, maxGap, Check.hex(theirs),
                    Check.hex(mine), null);
        } catch (IOException | RuntimeException e) {
            return new TransferResult("down", size, size, received, System.nanoTime() - start, maxGap, null, null,
                    e.toString());
        }
    }

    private static void writeHeader(DataOutputStream out, int op, Check check, long size, long seed)
            throws IOException {
        out.writeByte(op);
        out.writeByte(check.code);
        out.writeLong(size);
        out.writeLong(seed);
        out.flush();
    }
}
