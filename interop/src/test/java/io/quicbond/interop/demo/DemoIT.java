package io.quicbond.interop.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The demo end to end with short settings: bond, emulated links, a cut, hashes at both ends. */
@Timeout(180)
class DemoIT {

    @Test
    void demoLosesNoByteAndTheCutUplinkComesBack() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = DemoCommand.run(new PrintWriter(out, true), new PrintWriter(err, true),
                "--size", "8", "--cut-at", "2", "--cut-for", "2", "--quiet", "--stall-timeout", "30");
        String text = out + "\n--- stderr ---\n" + err;
        assertEquals(0, exit, text);
        assertTrue(text.contains("(" + io.quicbond.transport.engine.QuicEngines.DEFAULT + "), pin sha256/"),
                "names the engine it runs: " + text);
        assertTrue(text.contains("bytes lost: 0 "), text);
        assertTrue(text.contains("cut uplink lte: came back after"), text);
        assertTrue(text.contains("carried") && !text.contains("carried NO data"), text);
        assertTrue(text.contains("lte CUT at the emulator") && text.contains("lte RESTORED at the emulator"), text);
    }
}
