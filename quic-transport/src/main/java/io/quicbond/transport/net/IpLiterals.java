package io.quicbond.transport.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Strict IP address literals, for configuration and for matching destinations: never a name lookup
 * ({@link InetAddress#getByName} looks up anything it does not recognise as a literal, which a parser of hostile
 * input must never do). Shared by the client's rules and the server's egress policy. Stateless; any thread.
 *
 * <p>IPv4 is dotted decimal with exactly four parts and no leading zeros ({@code 010.0.0.1} would mean 8.0.0.1 to
 * inet_aton() and 10.0.0.1 to a reader). IPv6 is RFC 4291 text, without brackets and without a zone
 * ({@code %eth0}). An IPv4-mapped IPv6 literal ({@code ::ffff:192.0.2.1}) parses to its 16 bytes.
 */
public final class IpLiterals {
    private static final int MAX_TEXT = 45;

    private IpLiterals() {
    }

    /**
     * The 4 or 16 bytes of {@code text}.
     *
     * @throws IllegalArgumentException {@code "not an IP address: 'x'"}, with a hint when the form is close
     */
    public static byte[] parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("not an IP address: ''");
        }
        if (text.indexOf(':') >= 0) {
            return parseIpv6(text);
        }
        return parseIpv4(text);
    }

    /** Whether {@code text} is an IPv4 or IPv6 literal that {@link #parse} accepts. */
    public static boolean isLiteral(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {@code text} as an {@link InetAddress}, without any lookup; an IPv4-mapped IPv6 literal gives the IPv4 one. */
    public static InetAddress toInetAddress(String text) {
        return toInetAddress(parse(text));
    }

    /** The address of 4 or 16 bytes, without any lookup. */
    public static InetAddress toInetAddress(byte[] address) {
        try {
            return InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length, e);
        }
    }

    /** The canonical text: dotted decimal, or RFC 5952 IPv6 (lower case, longest zero run compressed). */
    public static String format(byte[] address) {
        if (address.length == 4) {
            return (address[0] & 0xff) + "." + (address[1] & 0xff) + "." + (address[2] & 0xff) + "." + (address[3] & 0xff);
        }
        if (address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (address[2 * i] & 0xff) << 8 | address[2 * i + 1] & 0xff;
        }
        // RFC 5952 §4.2.2/§4.2.3: the longest run of two or more zero groups is compressed, the first if tied.
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

    /** The text of {@link InetAddress#getHostAddress()} made canonical, as {@link #format(byte[])}. */
    public static String format(InetAddress address) {
        return format(address.getAddress());
    }

    /** Whether a 16-byte address is IPv4-mapped, ::ffff:a.b.c.d (RFC 4291 2.5.5.2). */
    public static boolean isIpv4Mapped(byte[] address) {
        if (address.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }

    /**
     * An IPv4-mapped IPv6 address as the IPv4 address it stands for; any other address unchanged. The JDK already
     * does this for addresses it parses, but an {@link Inet6Address} built from bytes keeps the mapped form.
     */
    public static InetAddress unmap(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet6Address && isIpv4Mapped(bytes)) {
            return toInetAddress(java.util.Arrays.copyOfRange(bytes, 12, 16));
        }
        return address;
    }

    private static byte[] parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw notAnAddress(text, null);
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw notAnAddress(text, null);
            }
            if (p.length() > 1 && p.charAt(0) == '0') {
                throw notAnAddress(text, "IPv4 parts have no leading zeros");
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                throw notAnAddress(text, "IPv4 parts are 0..255");
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parseIpv6(String text) {
        if (text.length() > MAX_TEXT) {
            throw notAnAddress(text, null);
        }
        if (text.indexOf('%') >= 0) {
            throw notAnAddress(text, "zone indexes (%...) are not supported");
        }
        if (text.startsWith("[") || text.endsWith("]")) {
            throw notAnAddress(text, "no brackets here");
        }
        // Only hex digits, ':' and '.': anything else would make InetAddress try a name lookup.
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.';
            if (!ok) {
                throw notAnAddress(text, null);
            }
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw notAnAddress(text, null);
        }
        if (text.indexOf('.') >= 0) {
            // The embedded IPv4 part must be strict too (InetAddress accepts leading zeros there).
            parseIpv4(text.substring(text.lastIndexOf(':') + 1));
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            // InetAddress turns ::ffff:a.b.c.d into the IPv4 address; keep the 16 bytes that were written.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        }
        return bytes;
    }

    private static IllegalArgumentException notAnAddress(String text, String hint) {
        return new IllegalArgumentException("not an IP address: " + quote(text) + (hint != null ? " (" + hint + ")" : ""));
    }

    /** Enough of hostile or mistyped input to recognise it: at most 60 characters, control characters escaped. */
    public static String quote(String s) {
        if (s == null) {
            return "null";
        }
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        StringBuilder out = new StringBuilder(cut.length() + 2).append('\'');
        cut.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp) || cp == 0x2028 || cp == 0x2029) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.append('\'').toString();
    }
}
