package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BondClientRedialTest {
    private static final long MS = 1_000_000;

    @Test
    void aFastRedialWaitsThreeRttsPlusTlsTimeWithinItsBounds() {
        assertEquals(Duration.ofMillis(600), BondClient.fastConnectTimeout(20 * MS), "floor on a short path");
        assertEquals(Duration.ofMillis(900), BondClient.fastConnectTimeout(200 * MS), "a satellite-like path");
        assertEquals(Duration.ofSeconds(3), BondClient.fastConnectTimeout(2000 * MS), "never above the full timeout");
    }
}
