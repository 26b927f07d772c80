package io.quicbond.client.router;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system's tools ({@code nft}, {@code ip}); a seam so that {@link RouterSetup} can be tested with a
 * recording fake. Implementations are thread-safe.
 */
public interface Shell {
    /** What a command printed and how it ended. */
    record Result(int exitCode, String out, String err) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    /**
     * Runs {@code command} with {@code stdin} (null: none) and waits for it.
     *
     * @throws IOException when the program cannot be started (not installed)
     */
    Result run(String stdin, List<String> command) throws IOException;

    /** The real one: a child process, 30 s at most. */
    Shell SYSTEM = (stdin, command) -> {
        Process p = new ProcessBuilder(command).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[][] errBytes = new byte[1][];
        Thread err = Thread.ofVirtual().start(() -> {
            try {
                errBytes[0] = p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                errBytes[0] = e.toString().getBytes(StandardCharsets.UTF_8);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer in 30 s");
            }
            err.join();
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + ": interrupted");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(errBytes[0] == null ? new byte[0] : errBytes[0], StandardCharsets.UTF_8));
    };
}
