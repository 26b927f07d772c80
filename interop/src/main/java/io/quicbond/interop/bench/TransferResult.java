package io.quicbond.interop.bench;

import java.util.Arrays;

/**
 * What one test transfer did, as seen by both ends.
 *
 * @param direction     "up" (client to server) or "down"
 * @param requested     bytes asked for (for a time-limited upload, the most it may send)
 * @param sent          bytes the sending application wrote
 * @param received      bytes the receiving application read
 * @param nanos         from the request until the last byte was confirmed (upload) or read (download)
 * @param maxGapNanos   longest interval between two successive reads at the receiving application
 * @param sentDigest    digest of what was sent, hex; null if the sender's report never arrived
 * @param receivedDigest digest of what was received, hex
 * @param error         why the transfer broke off; null if it completed
 */
public record TransferResult(String direction, long requested, long sent, long received, long nanos,
                             long maxGapNanos, String sentDigest, String receivedDigest, String error) {

    /** Everything sent arrived, unchanged: equal counts and equal digests. */
    public boolean intact() {
        return error == null && sent == received && sentDigest != null && sentDigest.equals(receivedDigest);
    }

    /** Goodput in Mbit/s (10^6 bit/s) of the bytes that arrived. */
    public double mbitPerSecond() {
        return nanos <= 0 ? 0 : received * 8e3 / nanos;
    }

    public double seconds() {
        return nanos / 1e9;
    }

    static boolean sameDigest(byte[] a, byte[] b) {
        return a != null && b != null && Arrays.equals(a, b);
    }
}
