package io.quicbond.server.egress;

import io.quicbond.transport.net.IpLiterals;
import io.quicbond.transport.net.PrefixBits;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 network in CIDR notation, such as {@code 10.0.0.0/8} or {@code fc00::/7}. Immutable and
 * thread-safe.
 *
 * <p>{@link #parse} is strict, since its input comes from configuration and must mean one thing: the address must
 * be a literal (never a name: nothing is looked up), IPv4 parts have no leading zeros, and the host bits must be
 * zero ({@code 10.0.0.1/8} is an error that names {@code 10.0.0.0/8}). {@link #contains} matches addresses of the
 * same family only; an IPv4-mapped IPv6 address is the IPv6 address it is, and callers that mean the IPv4 address
 * unmap it first (as {@link EgressPolicy} does).
 */
public final class Cidr {

    private final byte[] network;
    private final int prefixLength;

    private Cidr(byte[] network, int prefixLength) {
        this.network = network;
        this.prefixLength = prefixLength;
    }

    /**
     * Parses {@code "address/prefix"}, or a bare address meaning a single host ({@code /32} or {@code /128}).
     *
     * @throws IllegalArgumentException with a message that says what is wrong, for null, names, malformed
     *                                  addresses, prefixes out of range or host bits that are set
     */
    public static Cidr parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("CIDR is missing");
        }
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        byte[] address;
        try {
            address = IpLiterals.parse(addressText);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad CIDR " + IpLiterals.quote(text) + ": " + e.getMessage(), e);
        }
        int maxPrefix = address.length * 8;
        int prefix = maxPrefix;
        if (slash >= 0) {
            prefix = PrefixBits.parseLength(text.substring(slash + 1));
            if (prefix < 0) {
                throw new IllegalArgumentException("bad CIDR " + IpLiterals.quote(text) + ": the prefix length must be a"
                        + " number 0.." + maxPrefix);
            }
            if (prefix > maxPrefix) {
                throw new IllegalArgumentException("bad CIDR " + IpLiterals.quote(text) + ": the prefix length must be 0.."
                        + maxPrefix);
            }
        }
        byte[] masked = PrefixBits.mask(address, prefix);
        if (!Arrays.equals(masked, address)) {
            throw new IllegalArgumentException("bad CIDR " + IpLiterals.quote(text) + ": host bits are set; did you mean "
                    + IpLiterals.format(masked) + "/" + prefix + "?");
        }
        return new Cidr(address, prefix);
    }

    /**
     * The network of {@code prefixLength} bits containing {@code address} (host bits are cleared).
     *
     * @throws IllegalArgumentException if {@code prefixLength} is out of range for the address family
     */
    public static Cidr of(InetAddress address, int prefixLength) {
        byte[] bytes = Objects.requireNonNull(address, "address").getAddress();
        if (prefixLength < 0 || prefixLength > bytes.length * 8) {
            throw new IllegalArgumentException("prefix length must be 0.." + bytes.length * 8 + ": " + prefixLength);
        }
        return new Cidr(PrefixBits.mask(bytes, prefixLength), prefixLength);
    }

    /** Whether {@code address} is in this network; false for null or an address of the other family. */
    public boolean contains(InetAddress address) {
        return address != null && containsBytes(address.getAddress());
    }

    boolean containsBytes(byte[] address) {
        return PrefixBits.contains(network, prefixLength, address);
    }

    /** The network address (host bits zero). */
    public InetAddress network() {
        return IpLiterals.toInetAddress(network.clone());
    }

    public int prefixLength() {
        return prefixLength;
    }

    public boolean isIpv4() {
        return network.length == 4;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr other && prefixLength == other.prefixLength && Arrays.equals(network, other.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefixLength;
    }

    /** The canonical form, e.g. {@code 10.0.0.0/8} or {@code fe80::/10}; {@link #parse} reads it back. */
    @Override
    public String toString() {
        return IpLiterals.format(network) + "/" + prefixLength;
    }
}
