package io.quicbond.client.config;

/** Quoting of user input in error messages. Stateless. */
final class ConfigText {
    private ConfigText() {
    }

    /** Enough of hostile or mistyped input to recognise it: at most 60 characters, control characters escaped. */
    static String quote(String s) {
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
