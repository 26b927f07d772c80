package io.quicbond.interop.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quicbond.interop.bench.netns.NetnsBench;
import io.quicbond.interop.emulator.ip.NetnsLinks.Shell;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The netns benchmark's smoke run, as CI runs it as root: every scenario once, 3-second transfers, plain TCP,
 * kernel MPTCP and quicbond over the same emulated IP links. Checks the plumbing only: every system moved bytes
 * in every scenario, kernel MPTCP really opened subflows on the extra links, and the JSON, Markdown, PNG and
 * matrix files were written. Speed is not asserted. Skipped without root or without iperf3/mptcpize.
 */
@Timeout(400)
class NetnsBenchQuickIT {

    @Test
    void quickNetnsRunMovesBytesForEverySystemAndWritesEveryFile() throws Exception {
        String why = NetnsBench.unavailableReason();
        assumeTrue(why == null, () -> "skipped: " + why);
        Path dir = Files.createTempDirectory("bond-bench-netns-it");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int exit = BenchCommand.run(new PrintWriter(out, true), new PrintWriter(err, true),
                "--scenario", "netns", "--quick", "--netns-seconds", "3", "--netns-prefix", "qbeq", "--netns-subnet", "10.78",
                // vless-mptcp left out: it adds about 40 s here (bin/bond-bench --quick --netns-systems vless-mptcp).
                "--netns-systems", "tcp,mptcp,udp,quicbond-quiche",
                "--out", dir.toString());
        String text = out + "\n--- stderr ---\n" + err;
        System.out.println(text);
        System.out.printf("netns quick run took %.0f s%n", (System.nanoTime() - start) / 1e9);
        assertEquals(0, exit, text);

        for (String file : List.of("netns.md", "netns.json", "matrix.md", "matrix.json", "aggregation.png",
                "failover-tcp.png", "failover-mptcp.png", "failover-quicbond-quiche.png", "flap-quicbond-quiche.png")) {
            assertTrue(Files.size(dir.resolve(file)) > 0, file + "\n" + text);
        }
        JsonNode root = new ObjectMapper().readTree(dir.resolve("netns.json").toFile());
        assertEquals(8, root.get("scenarios").size(), text);
        for (JsonNode scenario : root.get("scenarios")) {
            scenario.get("systems").properties().forEach(system -> {
                String where = scenario.get("id").asText() + " " + system.getKey();
                assertFalse(system.getValue().isEmpty(), where);
                for (JsonNode run : system.getValue()) {
                    assertTrue(run.get("error").isNull(), where + ": " + run.get("error"));
                    long moved = run.has("receivedBytes") ? run.get("receivedBytes").asLong()
                            : run.has("received") ? run.get("received").asLong()
                            : run.get("loadedP50Ms").isNull() ? 0 : 1;
                    assertTrue(moved > 0, where + " moved nothing");
                }
                if (scenario.get("id").asText().equals("mixed-clean") && system.getKey().equals("mptcp")) {
                    assertTrue(system.getValue().get(0).get("mptcpSubflowsPerConnection").asDouble() > 1,
                            "kernel MPTCP opened no subflow on the extra links: " + system.getValue());
                }
            });
        }
        assertFalse(Shell.output("ip", "netns", "list").contains("qbeq-"), "namespaces removed");
    }
}
