package io.quicbond.server.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Sends java.util.logging to a writer (stderr for {@code run}), one line per record:
 * {@code 2025-01-01 12:00:00.123 INFO    BondServer: message}. {@link #close()} puts back the handlers and level
 * it replaced, so that in-process runs (tests) leave logging as they found it. Records are written under a lock,
 * from any thread.
 */
final class ConsoleLog implements AutoCloseable {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    private final Logger root = Logger.getLogger("");
    private final Handler[] previousHandlers;
    private final Level previousLevel;
    private final Handler handler;

    private ConsoleLog(PrintWriter out, Level level) {
        previousHandlers = root.getHandlers();
        previousLevel = root.getLevel();
        handler = new WriterHandler(out);
        handler.setLevel(level);
        for (Handler h : previousHandlers) {
            root.removeHandler(h);
        }
        root.addHandler(handler);
        root.setLevel(level);
    }

    static ConsoleLog install(PrintWriter out, Level level) {
        return new ConsoleLog(out, level);
    }

    @Override
    public void close() {
        root.removeHandler(handler);
        for (Handler h : previousHandlers) {
            root.addHandler(h);
        }
        root.setLevel(previousLevel);
        handler.flush();
    }

    /** The one-line format: time, level, logger's simple name, message, and the exception if any. */
    static final class OneLineFormatter extends Formatter {
        @Override
        public String format(LogRecord record) {
            String logger = record.getLoggerName() == null ? "" : record.getLoggerName();
            String shortName = logger.substring(logger.lastIndexOf('.') + 1);
            StringBuilder line = new StringBuilder(128)
                    .append(TIME.format(record.getInstant() != null ? record.getInstant() : Instant.now()))
                    .append(' ').append(String.format("%-7s", record.getLevel().getName()))
                    .append(' ').append(shortName).append(": ").append(formatMessage(record));
            if (record.getThrown() != null) {
                line.append(" (").append(record.getThrown()).append(')');
            }
            return line.append(System.lineSeparator()).toString();
        }
    }

    private static final class WriterHandler extends Handler {
        private final PrintWriter out;

        WriterHandler(PrintWriter out) {
            this.out = out;
            setFormatter(new OneLineFormatter());
        }

        @Override
        public synchronized void publish(LogRecord record) {
            if (isLoggable(record)) {
                out.print(getFormatter().format(record));
                out.flush();
            }
        }

        @Override
        public synchronized void flush() {
            out.flush();
        }

        @Override
        public void close() {
            flush();
        }
    }
}
