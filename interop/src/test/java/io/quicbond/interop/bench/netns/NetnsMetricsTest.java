package io.quicbond.interop.bench.netns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The netns report's figures from scripted receiver intervals and link samples, and its iperf3 line parser. */
class NetnsMetricsTest {
    private static final String IPERF_TEXT = """
            -----------------------------------------------------------
            Server listening on 5201 (test #1)
            -----------------------------------------------------------
            Accepted connection from 10.77.1.1, port 43649
            [  5] local 10.77.1.2 port 5201 connected to 10.77.1.1 port 41895
            [ ID] Interval           Transfer     Bitrate
            [  5]   0.00-0.10   sec  15.6 KBytes   155 KBytes/sec
            [  5]   0.10-0.20   sec   109 KBytes  1090 KBytes/sec
            [  5]   0.20-0.30   sec  0.00 Bytes  0.00 KBytes/sec
            [  5]   0.30-0.40   sec  1.25 MBytes  12800 KBytes/sec
            - - - - - - - - - - - - - - - - - - - - - - - - -
            [ ID] Interval           Transfer     Bitrate
            [  5]   0.00-0.40   sec  1.37 MBytes  3400 KBytes/sec                  receiver
            """;

    private static List<Long> rate(long... perInterval) {
        List<Long> out = new ArrayList<>();
        for (long v : perInterval) {
            out.add(v);
        }
        return out;
    }

    private static List<Long> repeat(long value, int times) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            out.add(value);
        }
        return out;
    }

    @Test
    void intervalsAreReadInTheirUnitsAndTheSummaryIsLeftOut() {
        assertEquals(List.of(15974L, 111616L, 0L, 1310720L), Iperf.parseIntervals(IPERF_TEXT, 10));
    }

    @Test
    void intervalsBeyondTheTestsLengthAreLeftOut() {
        assertEquals(2, Iperf.parseIntervals(IPERF_TEXT, 0.2).size());
    }

    @Test
    void mangledIperfOutputNeverThrows() {
        Random random = new Random(4);
        byte[] seed = IPERF_TEXT.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 3000; i++) {
            byte[] b = seed.clone();
            for (int k = 0; k < 1 + random.nextInt(8); k++) {
                b[random.nextInt(b.length)] = (byte) (random.nextBoolean() ? "0123456789.- KMG[]e"
                        .charAt(random.nextInt(19)) : random.nextInt(256));
            }
            List<Long> parsed = Iperf.parseIntervals(new String(b, StandardCharsets.ISO_8859_1), 10);
            assertTrue(parsed.size() <= 100);
        }
    }

    @Test
    void longestGapCountsConsecutiveEmptyIntervalsButNotTheLastPartialOne() {
        assertEquals(300, NetnsReport.longestGapMs(rate(5, 0, 0, 5, 0, 0, 0, 5, 0)));
        assertEquals(0, NetnsReport.longestGapMs(rate(5, 5, 0)));
    }

    @Test
    void recoveryIsTimedFromTheCutToTheFirstFullSecondAtTheNewRate() {
        List<Long> v = new ArrayList<>(repeat(100, 80));
        v.addAll(repeat(0, 10));
        v.addAll(repeat(50, 110));
        // Cut at 8 s; nothing for 1 s; from 9 s the survivors carry 50 per interval: the 1 s window ending at 9.9 s
        // holds nine of them, 90 % of the new rate.
        assertEquals(1.9, NetnsReport.recovery(v, 8.0));
    }

    @Test
    void aFlowThatNeverComesBackHasNoRecoveryTime() {
        List<Long> v = new ArrayList<>(repeat(100, 80));
        v.addAll(repeat(0, 120));
        assertNull(NetnsReport.recovery(v, 8.0));
    }

    @Test
    void aRestoredLinkCarriesAgainAtItsFirstSampleWithATenthOfItsRate() {
        List<Double> times = new ArrayList<>();
        List<long[]> up = new ArrayList<>();
        long bytes = 0;
        for (int k = 0; k < 100; k++) {
            times.add(k * 0.1);
            // 40 Mbit/s is 500 kB per 100 ms; the link is silent from 2 s to 7.3 s, restored at 7 s.
            if (k < 20 || k >= 73) {
                bytes += 500_000;
            }
            up.add(new long[]{bytes});
        }
        LinkSampler.Series s = new LinkSampler.Series(List.of("lte"), times, up, up);
        assertEquals(0.3, NetnsReport.backOnLink(s, 0.0, 7.0, 40_000_000L), 1e-9);
        assertNull(NetnsReport.backOnLink(s, 0.0, 20.0, 40_000_000L));
    }
}
