package io.quicbond.client.rules;

import io.quicbond.transport.net.IpLiterals;
import java.util.Locale;

/**
 * A domain name and everything beneath it: {@code example.com} matches {@code example.com} and
 * {@code a.example.com}, never {@code badexample.com}. Case-insensitive; a trailing dot (the root) is ignored on
 * both sides. Immutable; any thread.
 *
 * @param suffix the normalized name: lower case, no leading or trailing dot
 */
public record DomainSuffix(String suffix) {

    public DomainSuffix {
        suffix = normalize(suffix);
    }

    /**
     * Parses a suffix as written in configuration: a DNS name in ASCII (IDNs in their {@code xn--} form), with an
     * optional leading dot ({@code .example.com} means the same as {@code example.com}).
     *
     * @throws IllegalArgumentException for wildcards, empty labels, characters outside letters, digits, '-' and
     *                                  '_', labels over 63 or names over 253 characters
     */
    public static DomainSuffix parse(String text) {
        return new DomainSuffix(text);
    }

    /** Whether {@code host} (a domain name from a flow's destination) is this domain or beneath it. */
    public boolean matches(String host) {
        if (host == null || host.isEmpty()) {
            return false;
        }
        String h = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        int extra = h.length() - suffix.length();
        if (extra < 0 || extra > 0 && h.charAt(extra - 1) != '.') {
            return false;
        }
        // ASCII case folding only: String.regionMatches(true, ...) would also fold e.g. the Kelvin sign into 'k'.
        for (int i = 0; i < suffix.length(); i++) {
            char c = h.charAt(extra + i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + ('a' - 'A'));
            }
            if (c != suffix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String normalize(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("empty domain suffix");
        }
        if (text.startsWith("*")) {
            throw new IllegalArgumentException("no wildcards in domain suffixes: write "
                    + IpLiterals.quote(text.replaceFirst("^\\*\\.?", "")) + " to match it and every name beneath it");
        }
        String s = text.startsWith(".") ? text.substring(1) : text;
        s = s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
        if (s.isEmpty() || s.length() > 253) {
            throw new IllegalArgumentException("not a domain name: " + IpLiterals.quote(text));
        }
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                throw new IllegalArgumentException("not a domain name: " + IpLiterals.quote(text)
                        + " (labels are 1..63 characters)");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
                if (!ok) {
                    throw new IllegalArgumentException("not a domain name: " + IpLiterals.quote(text)
                            + (c > 127 ? " (write international names in their xn-- form)" : ""));
                }
            }
        }
        return s.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return suffix;
    }
}
