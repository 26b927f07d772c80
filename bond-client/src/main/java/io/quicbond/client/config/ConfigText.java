package io.quicbond.client.config;

import io.quicbond.transport.net.IpLiterals;

/** Quoting of user input in error messages, the same as in address errors. Stateless. */
final class ConfigText {
    private ConfigText() {
    }

    /** Enough of hostile or mistyped input to recognise it: at most 60 characters, control characters escaped. */
    static String quote(String s) {
        return IpLiterals.quote(s);
    }
}
