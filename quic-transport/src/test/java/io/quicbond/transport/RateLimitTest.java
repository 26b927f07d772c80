package io.quicbond.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The token bucket on a fake clock: sleeping advances the clock, so time is exact and no test waits. */
class RateLimitTest {
    private long now = 1_000_000_000L;
    private long slept;

    private RateLimit limit(long bitsPerSecond) {
        return new RateLimit(bitsPerSecond, () -> now, nanos -> {
            slept += nanos;
            now += nanos;
        });
    }

    private void advanceMillis(long millis) {
        now += TimeUnit.MILLISECONDS.toNanos(millis);
    }

    @Test
    void withoutALimitNothingWaitsAndEveryPacketPasses() throws Exception {
        RateLimit none = limit(0);
        for (int i = 0; i < 1000; i++) {
            none.acquire(1 << 20);
            assertTrue(none.tryAcquire(65_000));
        }
        assertEquals(0, slept);
        assertFalse(none.isLimited());
    }

    @Test
    void tcpWaitsSoThatTheRateHoldsAfterTheBurst() throws Exception {
        RateLimit eightMbit = limit(8_000_000); // 1 MB/s, burst 100 kB
        assertEquals(100_000, eightMbit.burstBytes());
        eightMbit.acquire(100_000);
        assertEquals(0, slept, "the full bucket goes at once");
        eightMbit.acquire(50_000);
        assertEquals(TimeUnit.MILLISECONDS.toNanos(50), slept, "50 kB more at 1 MB/s");
        for (int i = 0; i < 17; i++) {
            eightMbit.acquire(50_000);
        }
        assertEquals(TimeUnit.MILLISECONDS.toNanos(900), slept, "1 MB in 0.9 s after a 100 kB burst");
    }

    @Test
    void concurrentFlowsShareTheRateByGoingIntoDebt() {
        RateLimit eightMbit = limit(8_000_000);
        assertEquals(0, eightMbit.reserve(100_000));
        // Two flows ask at the same instant: the second waits behind the first.
        assertEquals(TimeUnit.MILLISECONDS.toNanos(30), eightMbit.reserve(30_000));
        assertEquals(TimeUnit.MILLISECONDS.toNanos(60), eightMbit.reserve(30_000));
    }

    @Test
    void udpIsPolicedNotQueued() {
        RateLimit eightMbit = limit(8_000_000);
        int passed = 0;
        for (int i = 0; i < 200; i++) {
            if (eightMbit.tryAcquire(1000)) {
                passed++;
            }
        }
        assertEquals(100, passed, "a full bucket of 100 kB passes 100 packets of 1000 B, then drops");
        advanceMillis(10);
        passed = 0;
        for (int i = 0; i < 20; i++) {
            if (eightMbit.tryAcquire(1000)) {
                passed++;
            }
        }
        assertEquals(10, passed, "10 ms later, 10 kB more");
        assertEquals(0, slept, "policing never waits");
        // TCP debt holds UDP back until it is paid.
        eightMbit.reserve(20_000);
        advanceMillis(15);
        assertFalse(eightMbit.tryAcquire(1000));
        advanceMillis(10);
        assertTrue(eightMbit.tryAcquire(1000));
    }

    @Test
    void theBucketNeverHoldsMoreThanItsBurstHoweverLongItWaits() {
        RateLimit eightMbit = limit(8_000_000);
        advanceMillis(60_000);
        assertEquals(0, eightMbit.reserve(100_000));
        assertTrue(eightMbit.reserve(1) > 0, "an idle minute did not save up more than the burst");
    }

    @Test
    void aSlowLimitStillHasA64KiBBurst() {
        assertEquals(64 << 10, limit(1_000_000).burstBytes());
    }

    @Test
    void aNewRateAppliesAtOnceAndZeroLiftsIt() throws Exception {
        RateLimit limit = limit(8_000_000);
        limit.reserve(100_000);
        limit.setRate(16_000_000);
        assertEquals(2_000_000, limit.bitsPerSecond() / 8);
        assertEquals(0, limit.reserve(200_000), "the bucket starts full at the new rate");
        assertEquals(TimeUnit.MILLISECONDS.toNanos(50), limit.reserve(100_000));
        limit.setRate(0);
        limit.acquire(10 << 20);
        assertEquals(0, slept);
        assertThrows(IllegalArgumentException.class, () -> limit.setRate(-1));
        assertThrows(UnsupportedOperationException.class, () -> RateLimit.NONE.setRate(1_000_000));
    }

    @Test
    void throttledStreamsPayForEveryByteInSlices() throws Exception {
        RateLimit eightMbit = limit(8_000_000);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (OutputStream out = eightMbit.throttle(sink)) {
            out.write(new byte[300_000]);
        }
        assertEquals(300_000, sink.size());
        assertEquals(TimeUnit.MILLISECONDS.toNanos(200), slept, "300 kB after a 100 kB burst: 0.2 s");

        slept = 0;
        RateLimit reader = limit(8_000_000);
        byte[] buf = new byte[1 << 20];
        int total = 0;
        int largest = 0;
        try (InputStream in = reader.throttle(new ByteArrayInputStream(new byte[300_000]))) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                largest = Math.max(largest, n);
            }
        }
        assertEquals(300_000, total);
        assertEquals(RateLimit.STREAM_SLICE_BYTES, largest, "reads are sliced while limited");
        assertEquals(200, TimeUnit.NANOSECONDS.toMillis(slept), 1);
    }

    @Test
    void noLimitLeavesStreamsAsTheyAre() {
        InputStream in = new ByteArrayInputStream(new byte[1]);
        OutputStream out = new ByteArrayOutputStream();
        assertSame(in, RateLimit.NONE.throttle(in));
        assertSame(out, RateLimit.NONE.throttle(out));
    }
}
