package io.quicbond.interop.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InteropMatrixTest {

    @Test
    void cellsAccumulateAndANewerResultReplacesTheOlderOne(@TempDir Path dir) throws Exception {
        InteropMatrix m = InteropMatrix.at(dir);
        m.record("curl", "SOCKS5", true, "page fetched");
        m.record("iperf3", "TCP forward", false, "AssertionError: 0 | bytes");
        m.record("curl", "SOCKS5", false, "timeout");
        List<InteropMatrix.Entry> entries = InteropMatrix.at(dir).read();
        assertEquals(2, entries.size());
        InteropMatrix.Entry curl = entries.stream().filter(e -> e.peer().equals("curl")).findFirst().orElseThrow();
        assertEquals(false, curl.pass());
        assertEquals("timeout", curl.keyFigure());
        String md = Files.readString(dir.resolve("matrix.md"));
        assertTrue(md.contains("| peer | SOCKS5 | TCP forward |"), md);
        assertTrue(md.contains("| curl | FAIL: timeout |  |"), md);
        assertTrue(md.contains("FAIL: AssertionError: 0 / bytes"), "a '|' in a figure cannot break the table: " + md);
    }
}
