package io.quicbond.server.cli;

/** A command failed in a way its message explains; {@link ExitCodes} takes the exit code from it. */
final class CliException extends Exception {

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
