package io.quicbond.interop.emulator.ip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quicbond.interop.emulator.EmulatedLinks;
import io.quicbond.interop.emulator.LinkEmulator.Direction;
import io.quicbond.interop.emulator.ip.NetnsLinks.Shell;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The IP-level emulator measured from outside with ordinary tools: ping for the delay, iperf3 UDP for the rate,
 * through TUN devices between the namespaces qbei-c and qbei-s. Root only; skipped otherwise.
 */
@Timeout(120)
class NetnsLinksIT {
    private static final String PREFIX = "qbei";

    private static void assumeRunnable() {
        String why = NetnsLinks.unavailableReason();
        assumeTrue(why == null, () -> "skipped: " + why);
        String tools = NetnsLinkCheck.unavailableReason();
        assumeTrue(tools == null, () -> "skipped: " + tools);
    }

    @Test
    void measuredRateIsWithinTwoPercentAndDelayWithinOneMillisecondOfTheSetting() throws Exception {
        assumeRunnable();
        try (NetnsLinks n = NetnsLinks.start(PREFIX, "10.79", EmulatedLinks.parse("a=20mbit/15ms"))) {
            // On a loaded machine iperf3 itself may be starved of CPU (its sender falls below the link's rate, or its
            // receiver's socket overflows); the emulator is judged by its best of three measurements.
            StringBuilder seen = new StringBuilder();
            boolean within = false;
            for (int attempt = 1; attempt <= 3 && !within; attempt++) {
                NetnsLinkCheck.Measurement m = NetnsLinkCheck.measure(n, 1, 4, 5311);
                seen.append(String.format(Locale.ROOT, "attempt %d: rate %.3f Mbit/s (set %.1f), one-way delay %.2f ms"
                        + " (set %.1f); ", attempt, m.rateMbit(), m.setRateMbit(), m.oneWayDelayMs(), m.setDelayMs()));
                within = Math.abs(m.rateError()) <= 0.02 && Math.abs(m.delayErrorMs()) <= 1.0;
            }
            System.out.println("NetnsLinksIT: " + seen);
            assertTrue(within, seen.toString());
            assertTrue(n.links().getFirst().stats(Direction.UP).bytesDelivered() > 1_000_000, "the link's counters count");
        }
        assertFalse(Shell.output("ip", "netns", "list").contains(PREFIX + "-"), "namespaces removed");
        assertFalse(Shell.output("ip", "link").contains(PREFIX + "-"), "devices removed");
    }

    @Test
    void trafficFromALinksAddressTakesThatLinkAndACutLinkCarriesNothing() throws Exception {
        assumeRunnable();
        try (NetnsLinks n = NetnsLinks.start(PREFIX, "10.79", EmulatedLinks.parse("a=unlimited,b=unlimited"))) {
            // Link 2's source address towards link 1's server address: link 2 must carry it.
            Shell.run("ip", "netns", "exec", n.clientNamespace(), "ping", "-c", "3", "-i", "0.1", "-I",
                    n.clientAddress(2), n.serverAddress(1));
            assertTrue(n.links().get(1).stats(Direction.UP).packetsDelivered() >= 3);
            assertEquals(0, n.links().get(0).stats(Direction.UP).packetsDelivered());
            n.links().get(1).cut();
            boolean answered;
            try {
                Shell.run("ip", "netns", "exec", n.clientNamespace(), "ping", "-c", "2", "-W", "1", "-I",
                        n.clientAddress(2), n.serverAddress(1));
                answered = true;
            } catch (java.io.IOException expected) {
                answered = false;
            }
            assertFalse(answered, "a cut link drops everything");
            n.links().get(1).restore();
            Shell.run("ip", "netns", "exec", n.clientNamespace(), "ping", "-c", "1", "-W", "2", "-I",
                    n.clientAddress(2), n.serverAddress(1));
        }
    }
}
