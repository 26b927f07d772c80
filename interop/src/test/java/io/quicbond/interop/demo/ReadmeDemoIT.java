package io.quicbond.interop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README's demo command, exactly as written, on a fresh copy of this tree: the launcher has to find a JDK 25
 * with no JAVA_HOME (the default java here is older), build the project itself, and run the demo to its end.
 * {@link DemoIT} runs the demo in-process; this runs what a user types. A copy, not this tree: the build the
 * launcher starts must not rewrite the jars this Maven run is testing with.
 */
@Timeout(900)
class ReadmeDemoIT {
    /** Not copied: build output, benchmark results, the repository's history. */
    private static final Set<String> SKIPPED = Set.of("target", "results", ".git");

    @Test
    void theReadmesDemoCommandBuildsAndRunsOnAFreshCopy() throws Exception {
        Path root = projectRoot();
        String command = readmeCommand(root, "bin/bond-demo");
        assertEquals("bin/bond-demo", command, "the README's demo command changed; this test runs what it says");

        Path copy = Files.createTempDirectory("quicbond-readme-");
        copyTree(root, copy);
        Path log = copy.resolve("demo.log");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", command).directory(copy.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("JAVA_HOME");
        Process p = pb.start();
        boolean ended = p.waitFor(840, TimeUnit.SECONDS);
        if (!ended) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(ended, "the demo did not end in 840 s:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("building quicbond"), "a fresh copy is built by the launcher:\n" + out);
        assertTrue(out.contains("bytes lost: 0 "), out);
        assertTrue(out.contains("came back after"), out);
        deleteTree(copy);
    }

    /** The module's folder is where Maven runs this test; the project is its parent. */
    private static Path projectRoot() {
        Path here = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        Path root = here.getParent();
        assertTrue(Files.isRegularFile(root.resolve("README.md")) && Files.isRegularFile(root.resolve("bin/bond-demo")),
                "no project root above " + here);
        return root;
    }

    /** The README line in its shell block that starts with {@code prefix}, without its comment. */
    static String readmeCommand(Path root, String prefix) throws IOException {
        List<String> lines = Files.readAllLines(root.resolve("README.md"), StandardCharsets.UTF_8);
        return lines.stream().map(String::strip).filter(l -> l.startsWith(prefix))
                .map(l -> l.contains("#") ? l.substring(0, l.indexOf('#')).strip() : l)
                .findFirst().orElseThrow(() -> new AssertionError("README.md has no line starting with " + prefix));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path rel = from.relativize(p);
                boolean skipped = false;
                for (Path part : rel) {
                    skipped |= SKIPPED.contains(part.toString());
                }
                if (skipped || rel.toString().isEmpty()) {
                    continue;
                }
                Path target = to.resolve(rel);
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
