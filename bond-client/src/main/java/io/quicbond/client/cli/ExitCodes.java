package io.quicbond.client.cli;

import io.quicbond.client.config.ConfigException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Every exit code of {@code bond-client}, and the one place exceptions become exit codes.
 * <ul>
 *   <li>{@value #OK}: success. ({@code run} stopped by SIGTERM or Ctrl-C shuts down cleanly, but the JVM then exits
 *       with 128 + the signal number, 143 or 130, as every JVM does; systemd units want
 *       {@code SuccessExitStatus=143}.)</li>
 *   <li>{@value #FAILURE}: the command failed at run time (e.g. a port already in use, a file not writable)</li>
 *   <li>{@value #USAGE}: wrong options or arguments</li>
 *   <li>{@value #CONFIG}: the configuration or share link is invalid or unreadable</li>
 *   <li>{@value #UNAVAILABLE}: {@code status}: no client answers at the status address</li>
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

    /** A command's failure with its exit code; the message is printed as is, on one line. */
    static final class CommandFailure extends Exception {
        final int exitCode;

        CommandFailure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /** picocli's handler for exceptions thrown by a command: print the message, return the code. */
    static int handle(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        PrintWriter err = command.getErr();
        int code;
        switch (e) {
            case ConfigException c -> {
                c.problems().forEach(err::println);
                code = CONFIG;
            }
            case CommandLine.ParameterException p -> {
                err.println(p.getMessage());
                p.getCommandLine().usage(err);
                code = USAGE;
            }
            case CommandFailure f -> {
                err.println(f.getMessage());
                code = f.exitCode;
            }
            default -> {
                err.println("bond-client " + command.getCommandName() + ": " + e);
                code = FAILURE;
            }
        }
        err.flush();
        return code;
    }
}
