package io.quicbond.interop.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs real programs (curl, iperf3) with no proxy from the environment, and captures what they print. */
final class Processes {
    record Result(int exitCode, byte[] out, String err) {
        String outText() {
            return new String(out, StandardCharsets.UTF_8);
        }
    }

    private Processes() {
    }

    static boolean installed(String program) {
        return Files.isExecutable(Path.of("/usr/bin", program));
    }

    static Result run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(List.of(command));
        builder.environment().keySet().removeIf(k -> k.toLowerCase().endsWith("_proxy"));
        Process process = builder.start();
        process.getOutputStream().close();
        StringBuilder err = new StringBuilder();
        Thread errReader = Thread.ofVirtual().start(() -> {
            try {
                err.append(new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                err.append(e);
            }
        });
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("did not finish in " + timeoutSeconds + " s: " + String.join(" ", command));
        }
        errReader.join();
        return new Result(process.exitValue(), out, err.toString());
    }

    /** Starts a long-running program (a server); the caller ends it with {@link Process#destroy()}. */
    static Process start(String... command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(new ArrayList<>(List.of(command)));
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return builder.start();
    }
}
