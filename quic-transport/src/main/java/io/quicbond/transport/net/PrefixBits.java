package io.quicbond.transport.net;

/**
 * The arithmetic of CIDR networks on address bytes (4 or 16), shared by the client's rules and the server's egress
 * policy, which word their errors and choose their accepted forms themselves. Stateless; any thread.
 */
public final class PrefixBits {
    private PrefixBits() {
    }

    /**
     * The prefix length written as {@code text}: 1 to 3 decimal digits without a leading zero; -1 when it is not
     * such a number. The caller checks the upper bound of its address family.
     */
    public static int parseLength(String text) {
        if (text.isEmpty() || text.length() > 3 || !text.chars().allMatch(c -> c >= '0' && c <= '9')
                || text.length() > 1 && text.charAt(0) == '0') {
            return -1;
        }
        return Integer.parseInt(text);
    }

    /** A copy of {@code address} with every bit after the first {@code prefixLength} cleared. */
    public static byte[] mask(byte[] address, int prefixLength) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.clamp(prefixLength - i * 8L, 0, 8);
            out[i] &= (byte) (0xff00 >> bits);
        }
        return out;
    }

    /** Whether {@code address} starts with the first {@code prefixLength} bits of {@code network}; false for the other family. */
    public static boolean contains(byte[] network, int prefixLength, byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        int fullBytes = prefixLength / 8;
        for (int i = 0; i < fullBytes; i++) {
            if (address[i] != network[i]) {
                return false;
            }
        }
        int remainingBits = prefixLength % 8;
        if (remainingBits == 0) {
            return true;
        }
        int mask = 0xff << (8 - remainingBits) & 0xff;
        return (address[fullBytes] & mask) == (network[fullBytes] & mask);
    }
}
