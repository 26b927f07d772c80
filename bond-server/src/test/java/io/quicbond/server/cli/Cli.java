package io.quicbond.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code bond-server} in-process and keeps what it printed. */
final class Cli {

    record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        return run(ServerLifetime.untilJvmShutdown(new PrintWriter(new StringWriter())), args);
    }

    static Result run(ServerLifetime lifetime, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BondServerCommand.run(new PrintWriter(out), new PrintWriter(err), lifetime, args);
        return new Result(code, out.toString(), err.toString());
    }
}
