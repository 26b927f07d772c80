package io.quicbond.interop.bench;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32C;

/**
 * How a transfer's bytes are checked at both ends: SHA-256 (the demo: a real proof that nothing was lost or
 * changed) or CRC32C (the benchmark: catches lost, duplicated and misplaced chunks at a few GB/s, so that the
 * check does not become the bottleneck or the CPU cost being measured).
 */
public enum Check {
    CRC32C(0), SHA256(1);

    final int code;

    Check(int code) {
        this.code = code;
    }

    static Check of(int code) {
        for (Check c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown check code " + code);
    }

    /** A fresh running digest. Not thread-safe. */
    public Running start() {
        return switch (this) {
            case CRC32C -> new Running() {
                private final CRC32C crc = new CRC32C();

                @Override
                public void update(byte[] b, int off, int len) {
                    crc.update(b, off, len);
                }

                @Override
                public byte[] finish() {
                    long v = crc.getValue();
                    return new byte[]{(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
                }
            };
            case SHA256 -> {
                MessageDigest md;
                try {
                    md = MessageDigest.getInstance("SHA-256");
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("every JDK has SHA-256", e);
                }
                yield new Running() {
                    @Override
                    public void update(byte[] b, int off, int len) {
                        md.update(b, off, len);
                    }

                    @Override
                    public byte[] finish() {
                        return md.digest();
                    }
                };
            }
        };
    }

    /** A digest being computed. */
    public interface Running {
        void update(byte[] b, int off, int len);

        byte[] finish();
    }

    static String hex(byte[] digest) {
        return digest == null ? "none" : HexFormat.of().formatHex(digest);
    }
}
