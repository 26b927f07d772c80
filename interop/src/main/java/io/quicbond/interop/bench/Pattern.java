package io.quicbond.interop.bench;

import java.util.SplittableRandom;

/**
 * The bytes a test transfer carries: a pseudo-random block of {@link #BLOCK} bytes, repeated. The block length is
 * not a power of two, so a chunk delivered at a wrong offset (a multiple of 16 KiB, 64 KiB, 1 MiB...) never holds
 * the same bytes as the right one, and the transfer's hash catches it. Cheap to produce at any rate, unlike a
 * fresh random stream. Not thread-safe: one per transfer.
 */
public final class Pattern {
    /** 1 MiB plus a prime. */
    public static final int BLOCK = (1 << 20) + 4099;

    private final byte[] block = new byte[BLOCK];
    private int position;

    public Pattern(long seed) {
        new SplittableRandom(seed).nextBytes(block);
    }

    /** Fills {@code b[off, off+len)} with the next bytes of the stream. */
    public void fill(byte[] b, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, BLOCK - position);
            System.arraycopy(block, position, b, off, n);
            position = (position + n) % BLOCK;
            off += n;
            len -= n;
        }
    }
}
