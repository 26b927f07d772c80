package io.quicbond.client.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Logging for the {@code run} command: java.util.logging (also the backend of {@link System.Logger}) to standard
 * error, one line per record: {@code 2026-01-02T03:04:05.678Z INFO BondClientApp: uplink lte0 up}. An exception is
 * summarised on the same line with its causes; no stack traces, so every record stays one line.
 *
 * <p>Installed once per run on the calling thread; {@link #close()} puts the previous handlers and levels back.
 */
final class LogSetup implements AutoCloseable {
    private final Logger root = LogManager.getLogManager().getLogger("");
    private final Logger ours = Logger.getLogger("io.quicbond");
    private final List<Handler> previous;
    private final Level previousRootLevel;
    private final Level previousOurLevel;
    private final Handler handler;

    private LogSetup(PrintWriter err, boolean verbose) {
        previous = new ArrayList<>(List.of(root.getHandlers()));
        previousRootLevel = root.getLevel();
        previousOurLevel = ours.getLevel();
        for (Handler h : previous) {
            root.removeHandler(h);
        }
        handler = new Handler() {
            @Override
            public synchronized void publish(LogRecord r) {
                if (isLoggable(r)) {
                    err.println(getFormatter().format(r));
                    err.flush();
                }
            }

            @Override
            public void flush() {
                err.flush();
            }

            @Override
            public void close() {
                err.flush();
            }
        };
        handler.setFormatter(new OneLine());
        handler.setLevel(Level.ALL);
        root.addHandler(handler);
        root.setLevel(Level.INFO);
        ours.setLevel(verbose ? Level.FINE : Level.INFO);
    }

    static LogSetup install(PrintWriter err, boolean verbose) {
        return new LogSetup(err, verbose);
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        for (Handler h : previous) {
            root.addHandler(h);
        }
        root.setLevel(previousRootLevel);
        ours.setLevel(previousOurLevel);
    }

    /** One line per record; newlines in messages become " | ". */
    static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            String name = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
            StringBuilder line = new StringBuilder()
                    .append(Instant.ofEpochMilli(r.getMillis()))
                    .append(' ').append(level(r.getLevel()))
                    .append(' ').append(name).append(": ")
                    .append(formatMessage(r));
            Throwable t = r.getThrown();
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                line.append(c == t ? " (" : "; caused by ").append(c);
                if (c.getCause() == null || c.getCause() == c) {
                    line.append(')');
                }
            }
            return line.toString().replaceAll("\\R", " | ");
        }

        private static String level(Level level) {
            if (level.intValue() >= Level.SEVERE.intValue()) {
                return "ERROR";
            }
            if (level.intValue() >= Level.WARNING.intValue()) {
                return "WARN";
            }
            if (level.intValue() >= Level.INFO.intValue()) {
                return "INFO";
            }
            return "DEBUG";
        }
    }
}
