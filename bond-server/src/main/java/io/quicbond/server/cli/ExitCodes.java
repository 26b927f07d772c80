package io.quicbond.server.cli;

import io.quicbond.server.config.ConfigException;
import java.io.IOException;

/**
 * Every exit code of {@code bond-server}, and the one place exceptions become exit codes.
 *
 * <ul>
 *   <li>{@value #OK}: done;</li>
 *   <li>{@value #FAILURE}: the command could not do its work (I/O error, a listener that cannot bind, a user that
 *       already exists or does not);</li>
 *   <li>{@value #USAGE}: the command line is wrong;</li>
 *   <li>{@value #CONFIG}: {@code server.json}, the certificate, the key or the users file is missing or invalid;</li>
 *   <li>{@value #UNAVAILABLE}: {@code status} found no server answering.</li>
 * </ul>
 */
public final class ExitCodes {

    public static final int OK = 0;
    public static final int FAILURE = 1;
    public static final int USAGE = 2;
    public static final int CONFIG = 3;
    public static final int UNAVAILABLE = 4;

    private ExitCodes() {
    }

    /** The exit code for a command that ended with {@code e}. */
    static int of(Throwable e) {
        if (e instanceof CliException c) {
            return c.exitCode();
        }
        if (e instanceof ConfigException) {
            return CONFIG;
        }
        if (e instanceof IOException) {
            return FAILURE;
        }
        return FAILURE;
    }

    /** Whether {@code e} is a failure the operator can act on from its message alone (no stack trace needed). */
    static boolean isExpected(Throwable e) {
        return e instanceof CliException || e instanceof ConfigException || e instanceof IOException;
    }
}
