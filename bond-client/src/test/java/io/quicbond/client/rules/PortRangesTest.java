package io.quicbond.client.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.ingress.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PortRangesTest {

    @Test
    void containsExactlyTheListedPorts() {
        PortRanges p = PortRanges.parse("3478-3481,19302-19309");
        for (int port : new int[] {3478, 3479, 3481, 19302, 19309}) {
            assertTrue(p.contains(port), "" + port);
        }
        for (int port : new int[] {0, 1, 3477, 3482, 19301, 19310, 65535}) {
            assertFalse(p.contains(port), "" + port);
        }
    }

    @Test
    void singlePortsSpacesAndOverlapsAreFine() {
        PortRanges p = PortRanges.parse(" 443 , 80,8000 - 8080, 8080-8090,1-1 ");
        assertEquals("1,80,443,8000-8090", p.toString());
        assertTrue(p.contains(8085));
        assertEquals(PortRanges.parse("1-3,4-5"), PortRanges.parse("1-5"));
        assertEquals("1-65535", PortRanges.parse("1-65535").toString());
    }

    @Test
    void badListsSayWhatIsWrong() {
        assertEquals("bad port range '3481-3478': start is after end",
                assertThrows(IllegalArgumentException.class, () -> PortRanges.parse("3481-3478")).getMessage());
        assertEquals("port out of range in '0': 0 (1..65535)",
                assertThrows(IllegalArgumentException.class, () -> PortRanges.parse("0")).getMessage());
        assertEquals("port out of range in '1-70000': 70000 (1..65535)",
                assertThrows(IllegalArgumentException.class, () -> PortRanges.parse("1-70000")).getMessage());
        assertEquals("empty item in port list '53,'",
                assertThrows(IllegalArgumentException.class, () -> PortRanges.parse("53,")).getMessage());
        assertEquals("bad port 'x' in 'x' (expected a number 1..65535, or a range like 3478-3481)",
                assertThrows(IllegalArgumentException.class, () -> PortRanges.parse("x")).getMessage());
        for (String bad : new String[] {"", " ", "-", "1-", "-1", "1--2", "1-2-3", "+1", "1.5", "٣", "99999999999",
                "1;2", "1,,2"}) {
            assertThrows(IllegalArgumentException.class, () -> PortRanges.parse(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> PortRanges.parse("1,".repeat(PortRanges.MAX_ITEMS) + "1"));
    }

    /** Mutated lists either fail with IllegalArgumentException or mean the same ports as a brute-force reading. */
    @Test
    void fuzzedListsParseConsistentlyOrFailCleanly() {
        Random random = new Random(5);
        byte[][] seeds = {"3478-3481,19302-19309".getBytes(StandardCharsets.US_ASCII),
                "53, 80 ,443,1000-2000".getBytes(StandardCharsets.US_ASCII), "1-65535".getBytes(StandardCharsets.US_ASCII)};
        int parsed = 0;
        for (int i = 0; i < 30_000; i++) {
            String text = new String(Mutator.mutate(seeds[i % seeds.length], random), StandardCharsets.ISO_8859_1);
            PortRanges p;
            try {
                p = PortRanges.parse(text);
            } catch (IllegalArgumentException expected) {
                assertFalse(expected.getMessage().isEmpty());
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError("escaped for '" + text + "'", e);
            }
            parsed++;
            BitSet expected = bruteForce(text);
            for (int port = 0; port <= 65536; port += 1 + random.nextInt(97)) {
                assertEquals(expected.get(port), p.contains(port), text + " @" + port);
            }
            assertEquals(p, PortRanges.parse(p.toString()), text);
        }
        assertTrue(parsed > 1000, "too few valid mutants: " + parsed);
    }

    private static BitSet bruteForce(String text) {
        BitSet ports = new BitSet();
        for (String item : text.split(",")) {
            String[] ends = item.strip().split("-");
            int a = Integer.parseInt(ends[0].strip());
            int b = ends.length > 1 ? Integer.parseInt(ends[1].strip()) : a;
            ports.set(a, b + 1);
        }
        return ports;
    }
}
