package io.quicbond.client.rules;

import io.quicbond.transport.net.IpLiterals;
import io.quicbond.transport.net.PrefixBits;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.0.0.0/8}, {@code 2001:db8::/32}), or a single address.
 * Immutable; any thread.
 *
 * <p>Parsing is strict, since the input is configuration and must mean one thing: a literal address (never a
 * name), a prefix length 0..32 or 0..128, and no host bits set ({@code 10.0.0.1/8} is an error that names
 * {@code 10.0.0.0/8}). IPv4-mapped IPv6 networks are refused: destinations arrive with such addresses already
 * turned into IPv4, so write the IPv4 network instead. {@link #contains} matches addresses of its own family only.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefixLength;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code "address/prefix"}, or a bare address meaning one host ({@code /32} or {@code /128}).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static Cidr parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("not a CIDR network: ''");
        }
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] address;
        try {
            address = IpLiterals.parse(addressText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a CIDR network: " + IpLiterals.quote(text) + ": " + e.getMessage());
        }
        if (IpLiterals.isIpv4Mapped(address)) {
            throw new IllegalArgumentException("not a CIDR network: " + IpLiterals.quote(text)
                    + ": write IPv4-mapped networks as IPv4 (destinations are matched as IPv4)");
        }
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            prefix = PrefixBits.parseLength(text.substring(slash + 1));
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException("not a CIDR network: " + IpLiterals.quote(text)
                        + ": the prefix length must be 0.." + max);
            }
        }
        byte[] masked = PrefixBits.mask(address, prefix);
        if (!Arrays.equals(masked, address)) {
            throw new IllegalArgumentException("not a CIDR network: " + IpLiterals.quote(text) + " has host bits set; did you mean "
                    + IpLiterals.format(masked) + "/" + prefix + "?");
        }
        return new Cidr(masked, prefix);
    }

    /** Whether {@code address} (4 or 16 bytes) lies in this network; false for the other family. */
    public boolean contains(byte[] address) {
        return PrefixBits.contains(network, prefixLength, address);
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    public int prefixLength() {
        return prefixLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.prefixLength == prefixLength && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefixLength;
    }

    /** The canonical form, always with the prefix length: {@code 10.0.0.0/8}, {@code 2001:db8::/32}. */
    @Override
    public String toString() {
        return IpLiterals.format(network) + "/" + prefixLength;
    }
}
