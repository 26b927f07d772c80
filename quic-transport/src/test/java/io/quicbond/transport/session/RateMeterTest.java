package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RateMeterTest {
    private static final long MS = 1_000_000;

    @Test
    void aSteadyRateIsMeasuredAsSuch() {
        RateMeter m = new RateMeter();
        long now = 0;
        m.tick(now);
        for (int i = 0; i < 30; i++) {
            m.add(100_000); // 1 MB/s in 100-ms ticks
            m.tick(now += 100 * MS);
        }
        assertEquals(1e6, m.peakBytesPerSecond(), 1e3);
        assertEquals(1e6, m.bytesPerSecond(), 5e4);
    }

    @Test
    void bytesReleasedInABurstDoNotReadAsAFasterLink() {
        // A lossy QUIC stream hands bytes over in order: nothing for two ticks while a lost packet is repaired,
        // then all of them at once. Per tick that reads as 3 MB/s on a 1 MB/s link.
        RateMeter m = new RateMeter();
        long now = 0;
        m.tick(now);
        for (int round = 0; round < 10; round++) {
            m.tick(now += 100 * MS);
            m.tick(now += 100 * MS);
            m.add(300_000);
            m.tick(now += 100 * MS);
        }
        assertTrue(m.peakBytesPerSecond() < 1.3e6, "peak " + m.peakBytesPerSecond());
        assertTrue(m.peakBytesPerSecond() > 0.9e6, "peak " + m.peakBytesPerSecond());
    }

    @Test
    void nothingIsClaimedBeforeHalfASecondHasBeenMeasured() {
        RateMeter m = new RateMeter();
        m.tick(0);
        m.add(1_000_000);
        m.tick(100 * MS);
        assertEquals(0, m.peakBytesPerSecond());
        m.tick(500 * MS);
        assertEquals(2e6, m.peakBytesPerSecond(), 1e3);
    }

    @Test
    void aHeldIdleSpanIsNotCountedAsARate() {
        RateMeter m = new RateMeter();
        long now = 0;
        m.tick(now);
        for (int i = 0; i < 10; i++) {
            m.add(100_000);
            m.tick(now += 100 * MS);
        }
        for (int i = 0; i < 30; i++) { // idle: held, the peak stands
            m.hold(now += 100 * MS);
        }
        assertEquals(1e6, m.peakBytesPerSecond(), 1e3);
        m.add(50_000);
        m.tick(now += 100 * MS); // one tick after the hold: too short to be a sample
        assertEquals(1e6, m.peakBytesPerSecond(), 1e3);
    }
}
