package io.quicbond.client.ingress;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;

/** Seeded byte-level mutation of valid inputs, for the parser fuzz tests: same seed, same cases. */
public final class Mutator {
    private static final byte[] INTERESTING = {0, 1, 2, 3, 4, 5, 0x7F, (byte) 0x80, (byte) 0xFF, '\r', '\n', ':', ' ',
            '\t', '/', '[', ']', '.', '@'};

    private Mutator() {
    }

    /** One to four mutations of {@code seed}: bit flips, interesting bytes, inserts, deletes, truncation, copies. */
    public static byte[] mutate(byte[] seed, Random random) {
        byte[] b = seed.clone();
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            int at = b.length == 0 ? 0 : random.nextInt(b.length);
            switch (random.nextInt(7)) {
                case 0 -> {
                    if (b.length > 0) {
                        b[at] ^= (byte) (1 << random.nextInt(8));
                    }
                }
                case 1 -> {
                    if (b.length > 0) {
                        b[at] = INTERESTING[random.nextInt(INTERESTING.length)];
                    }
                }
                case 2 -> b = insert(b, at, new byte[] {(byte) random.nextInt(256)});
                case 3 -> {
                    if (b.length > 0) {
                        b = concat(Arrays.copyOfRange(b, 0, at), Arrays.copyOfRange(b, at + 1, b.length));
                    }
                }
                case 4 -> b = Arrays.copyOf(b, b.length == 0 ? 0 : random.nextInt(b.length));
                case 5 -> {
                    int length = b.length == 0 ? 0 : random.nextInt(Math.min(b.length - at, 32) + 1);
                    b = insert(b, random.nextInt(b.length + 1), Arrays.copyOfRange(b, at, at + length));
                }
                default -> {
                    if (b.length > 0) {
                        b[at] = (byte) random.nextInt(256);
                    }
                }
            }
        }
        return b;
    }

    public static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static byte[] insert(byte[] b, int at, byte[] piece) {
        return concat(Arrays.copyOfRange(b, 0, at), piece, Arrays.copyOfRange(b, at, b.length));
    }

    private static byte[] concat(byte[]... parts) {
        int length = 0;
        for (byte[] p : parts) {
            length += p.length;
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
