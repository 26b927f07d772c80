package io.quicbond.interop.matrix;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The interop matrix: which peer passed which scenario, with one key figure each, in {@code matrix.json} and
 * {@code matrix.md} of a results folder. Real-peer ITs and the netns benchmark append to it; an entry for the same
 * peer and scenario replaces the older one. Each {@link #record} re-reads and rewrites both files under a file
 * lock, so several JVMs (failsafe forks, the benchmark) may append to one folder. Thread-safe.
 */
public final class InteropMatrix {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One cell.
     *
     * @param keyFigure what was measured or checked, e.g. "38.2 Mbit/s" or "hash equal"
     * @param at        when it was recorded (ISO-8601)
     */
    public record Entry(String peer, String scenario, boolean pass, String keyFigure, String at) {
    }

    private final Path dir;

    private InteropMatrix(Path dir) {
        this.dir = dir;
    }

    /** The matrix in {@code dir} (created when the first entry is recorded). */
    public static InteropMatrix at(Path dir) {
        return new InteropMatrix(Objects.requireNonNull(dir, "dir"));
    }

    /**
     * The matrix the ITs share: {@code $QUICBOND_RESULTS/interop}, else {@code results/interop} in the repository
     * (the parent of the interop module when run from there, as Maven does).
     */
    public static InteropMatrix forTests() {
        String base = System.getenv("QUICBOND_RESULTS");
        Path root;
        if (base != null && !base.isBlank()) {
            root = Path.of(base);
        } else {
            Path cwd = Path.of("").toAbsolutePath();
            root = (cwd.getFileName() != null && cwd.getFileName().toString().equals("interop") ? cwd.getParent() : cwd)
                    .resolve("results");
        }
        return at(root.resolve("interop"));
    }

    public Path jsonFile() {
        return dir.resolve("matrix.json");
    }

    public Path markdownFile() {
        return dir.resolve("matrix.md");
    }

    /**
     * Records one cell and rewrites both files.
     *
     * @throws UncheckedIOException when the folder cannot be written (a test's own result matters more, so
     *                              callers in tests may catch it)
     */
    public synchronized void record(String peer, String scenario, boolean pass, String keyFigure) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(scenario, "scenario");
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".matrix.lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE); FileLock ignored = lockFile.lock()) {
                List<Entry> entries = new ArrayList<>(read());
                entries.removeIf(e -> e.peer().equals(peer) && e.scenario().equals(scenario));
                entries.add(new Entry(peer, scenario, pass, keyFigure == null ? "" : keyFigure,
                        ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)));
                Files.writeString(jsonFile(), JSON.writeValueAsString(entries));
                Files.writeString(markdownFile(), markdown(entries));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the interop matrix in " + dir, e);
        }
    }

    /** The entries recorded so far; empty when there is no matrix yet. */
    public List<Entry> read() throws IOException {
        if (!Files.exists(jsonFile())) {
            return List.of();
        }
        return JSON.readValue(jsonFile().toFile(), new TypeReference<List<Entry>>() { });
    }

    /** Peers as rows, scenarios as columns; a cell is "pass"/"FAIL" and the key figure. */
    static String markdown(List<Entry> entries) {
        TreeSet<String> peers = new TreeSet<>();
        TreeSet<String> scenarios = new TreeSet<>();
        entries.forEach(e -> {
            peers.add(e.peer());
            scenarios.add(e.scenario());
        });
        StringBuilder md = new StringBuilder("# Interop matrix\n\npeer × scenario: pass/FAIL and the key figure.\n\n");
        md.append("| peer | ").append(String.join(" | ", scenarios)).append(" |\n|---|");
        md.append("---|".repeat(scenarios.size())).append('\n');
        for (String peer : peers) {
            md.append("| ").append(peer).append(" |");
            for (String scenario : scenarios) {
                Entry cell = entries.stream().filter(e -> e.peer().equals(peer) && e.scenario().equals(scenario))
                        .findFirst().orElse(null);
                md.append(' ').append(cell == null ? "" : (cell.pass() ? "pass" : "FAIL")
                        + (cell.keyFigure().isEmpty() ? "" : ": " + cell.keyFigure().replace("|", "/"))).append(" |");
            }
            md.append('\n');
        }
        return md.toString();
    }
}
