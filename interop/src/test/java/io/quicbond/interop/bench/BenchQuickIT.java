package io.quicbond.interop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The benchmark's smoke run: every case once, short, in separate JVMs; the results files must exist and hold
 * measurements. Speed is not asserted: CI machines vary too much.
 */
@Timeout(600)
class BenchQuickIT {

    /** A finished benchmark run: its results folder and everything it printed. */
    private record BenchRun(Path dir, String text) {
    }

    /** Runs the benchmark with {@code args} into a new folder; it must exit 0. */
    private static BenchRun bench(String... args) throws Exception {
        Path dir = Files.createTempDirectory("bond-bench-it");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of(
                "--out", dir.toString())).toArray(String[]::new);
        int exit = BenchCommand.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
        String text = out + "\n--- stderr ---\n" + err;
        assertEquals(0, exit, text);
        return new BenchRun(dir, text);
    }

    @Test
    void quickRunWritesResultsWithMeasurementsForEveryCase() throws Exception {
        BenchRun result = bench("--quick", "--scenario", "all", "--emulated-seconds", "3");
        Path dir = result.dir();
        String text = result.text();

        Path md = dir.resolve("results.md");
        Path json = dir.resolve("results.json");
        assertTrue(Files.isRegularFile(md) && Files.isRegularFile(json), text);
        String table = Files.readString(md);
        assertTrue(table.contains("| plain TCP relay | up |") && table.contains("| quicbond, 3 uplinks | down |"), table);

        JsonNode root = new ObjectMapper().readTree(json.toFile());
        Set<String> ids = new TreeSet<>();
        for (JsonNode c : root.get("cases")) {
            ids.add(c.get("id").asText());
            assertFalse(c.get("runs").isEmpty(), c.toString());
            for (JsonNode run : c.get("runs")) {
                assertTrue(run.get("clientPeakRss").asLong() > 0, run.toString());
                assertTrue(run.get("serverPeakRss").asLong() > 0, run.toString());
                assertFalse(run.get("transfers").isEmpty(), run.toString());
                for (JsonNode t : run.get("transfers")) {
                    assertTrue(t.get("intact").asBoolean(), t.toString());
                    assertTrue(t.get("bytes").asLong() > 0, t.toString());
                    assertTrue(t.get("mbit").asDouble() > 0, t.toString());
                    assertTrue(t.get("seconds").asDouble() > 0, t.toString());
                    assertTrue(t.get("clientCpu").asDouble() >= 0 && t.get("serverCpu").asDouble() >= 0, t.toString());
                }
            }
            c.get("medians").properties().forEach(d ->
                    assertTrue(d.getValue().get("mbit").asDouble() > 0, c.get("id") + " " + d.getKey()));
        }
        assertEquals(Set.of("bond-1", "bond-3", "emu-aggregate", "emu-best-alone", "raw-engine", "raw-kwik", "tcp-relay"),
                ids);
    }

    @Test
    void bothEnginesRunInOneCeilingRunEachAgainstItsOwnEngineAlone() throws Exception {
        BenchRun result = bench("--quick", "--size", "10", "--engines", "quiche,kwik", "--only", "raw-engine,bond-1");
        Path dir = result.dir();
        String text = result.text();

        Set<String> cases = new TreeSet<>();
        for (JsonNode c : new ObjectMapper().readTree(dir.resolve("results.json").toFile()).get("cases")) {
            cases.add(c.get("id").asText() + "/" + c.get("engine").asText());
            for (JsonNode run : c.get("runs")) {
                for (JsonNode t : run.get("transfers")) {
                    assertTrue(t.get("intact").asBoolean() && t.get("mbit").asDouble() > 0, t.toString());
                }
            }
        }
        assertEquals(Set.of("bond-1/kwik", "bond-1/quiche", "raw-engine/kwik", "raw-engine/quiche"), cases);
        // Each engine's logs are its own, and each bond row has a ratio to its own engine alone.
        assertTrue(Files.exists(dir.resolve("bond-1-kwik-1-server.log")), text);
        assertTrue(Files.exists(dir.resolve("bond-1-quiche-1-server.log")), text);
        String table = Files.readString(dir.resolve("results.md"));
        for (String engine : new String[]{"quiche", "kwik"}) {
            String row = table.lines().filter(l -> l.startsWith("| quicbond, 1 uplink, " + engine + " | up |"))
                    .findFirst().orElseThrow(() -> new AssertionError("no " + engine + " bond row:\n" + table));
            String vsEngineAlone = row.split("\\|")[7].trim();
            assertTrue(vsEngineAlone.matches("\\d+\\.\\d\\d"), row);
        }
    }
}
