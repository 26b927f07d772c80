package io.quicbond.server.egress;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict IPv4 and IPv6 literal parsing and RFC 5952 formatting, without ever touching DNS:
 * {@link InetAddress#getByName} looks up anything it does not recognise as a literal, which a parser of hostile
 * input must never do. Stateless; thread-safe.
 */
final class IpLiterals {

    /** Longer than any literal ("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is 45 characters). */
    private static final int MAX_LENGTH = 45;

    private IpLiterals() {
    }

    /**
     * Parses a dotted-quad IPv4 address (4 bytes) or an IPv6 address (16 bytes, with "::" and a dotted-quad tail
     * allowed). Rejects leading zeros in IPv4 parts (ambiguous: octal to some parsers, decimal to others), zone
     * ids, brackets and everything else.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    static byte[] parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty address");
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("too long for an IP address (" + text.length() + " characters)");
        }
        if (text.indexOf(':') >= 0) {
            return parseIpv6(text);
        }
        byte[] v4 = parseIpv4(text);
        if (v4 == null) {
            throw new IllegalArgumentException("not an IPv4 address (four decimal numbers 0..255 without leading"
                    + " zeros) nor an IPv6 address: " + quote(text));
        }
        return v4;
    }

    /** The address for {@code bytes} (4 or 16), built without any lookup. */
    static InetAddress toInetAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, got " + bytes.length, e);
        }
    }

    /** The canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest run of zero groups as "::"). */
    static String format(byte[] bytes) {
        if (bytes.length == 4) {
            return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xff) << 8 | bytes[2 * i + 1] & 0xff;
        }
        // RFC 5952 4.2.3: "the longest run of consecutive 16-bit 0 fields MUST be shortened"; 4.2.2: "The symbol
        // '::' MUST NOT be used to shorten just one 16-bit 0 field"; on a tie the first run is shortened.
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }

    static String format(InetAddress address) {
        return format(address.getAddress());
    }

    /** Whether a 16-byte address is IPv4-mapped, ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
    static boolean isIpv4Mapped(byte[] b) {
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /**
     * An IPv4-mapped IPv6 address as the IPv4 address it stands for; any other address unchanged. The JDK already
     * does this for addresses it parses, but an {@link Inet6Address} built from bytes keeps the mapped form.
     */
    static InetAddress unmap(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && isIpv4Mapped(bytes)) {
            return toInetAddress(java.util.Arrays.copyOfRange(bytes, 12, 16));
        }
        return address;
    }

    /** Input quoted for an error message: at most 60 characters, control characters escaped. */
    static String quote(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        StringBuilder out = new StringBuilder(cut.length() + 2).append('\'');
        cut.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('\'').toString();
    }

    private static byte[] parseIpv4(String text) {
        byte[] out = new byte[4];
        int part = 0;
        int i = 0;
        int n = text.length();
        while (true) {
            int start = i;
            int value = 0;
            while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9' && i - start < 3) {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || value > 255 || digits > 1 && text.charAt(start) == '0') {
                return null;
            }
            out[part++] = (byte) value;
            if (part == 4) {
                return i == n ? out : null;
            }
            if (i >= n || text.charAt(i) != '.') {
                return null;
            }
            i++;
        }
    }

    private static byte[] parseIpv6(String text) {
        if (text.indexOf('%') >= 0) {
            throw new IllegalArgumentException("zone ids are not allowed in an IPv6 address: " + quote(text));
        }
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            throw new IllegalArgumentException("'::' may appear only once in an IPv6 address: " + quote(text));
        }
        byte[] out = new byte[16];
        if (doubleColon < 0) {
            int filled = parseGroups(text, out, 0, true, text);
            if (filled != 16) {
                throw new IllegalArgumentException("an IPv6 address without '::' needs 8 groups: " + quote(text));
            }
            return out;
        }
        String head = text.substring(0, doubleColon);
        String tail = text.substring(doubleColon + 2);
        byte[] headBytes = new byte[16];
        byte[] tailBytes = new byte[16];
        int headLength = head.isEmpty() ? 0 : parseGroups(head, headBytes, 0, false, text);
        int tailLength = tail.isEmpty() ? 0 : parseGroups(tail, tailBytes, 0, true, text);
        // RFC 4291 2.2: "::" indicates one or more groups of zeros, so head and tail leave at least one.
        if (headLength + tailLength > 14) {
            throw new IllegalArgumentException("too many groups for an IPv6 address with '::': " + quote(text));
        }
        System.arraycopy(headBytes, 0, out, 0, headLength);
        System.arraycopy(tailBytes, 0, out, 16 - tailLength, tailLength);
        return out;
    }

    /** Parses colon-separated hex groups (and, if allowed, a dotted-quad last part); returns bytes written. */
    private static int parseGroups(String part, byte[] out, int offset, boolean ipv4TailAllowed, String whole) {
        String[] groups = part.split(":", -1);
        int at = offset;
        for (int g = 0; g < groups.length; g++) {
            String group = groups[g];
            boolean last = g == groups.length - 1;
            if (last && ipv4TailAllowed && group.indexOf('.') >= 0) {
                byte[] v4 = parseIpv4(group);
                if (v4 == null || at + 4 > 16) {
                    throw new IllegalArgumentException("bad IPv4 part in IPv6 address " + quote(whole));
                }
                System.arraycopy(v4, 0, out, at, 4);
                at += 4;
                break;
            }
            if (group.isEmpty() || group.length() > 4) {
                throw new IllegalArgumentException("IPv6 groups are 1..4 hex digits: " + quote(whole));
            }
            int value = 0;
            for (int i = 0; i < group.length(); i++) {
                int digit = Character.digit(group.charAt(i), 16);
                if (digit < 0 || group.charAt(i) > 'f') {
                    throw new IllegalArgumentException("not a hex digit in IPv6 address " + quote(whole));
                }
                value = value << 4 | digit;
            }
            if (at + 2 > 16) {
                throw new IllegalArgumentException("too many groups in IPv6 address " + quote(whole));
            }
            out[at++] = (byte) (value >> 8);
            out[at++] = (byte) value;
        }
        return at - offset;
    }
}
