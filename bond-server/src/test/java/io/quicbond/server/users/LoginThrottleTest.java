package io.quicbond.server.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

    private final FakeClock clock = new FakeClock();

    @Test
    void defaultAllowsTwentyFailuresAMinute() throws Exception {
        LoginThrottle throttle = new LoginThrottle(LoginThrottle.DEFAULT_MAX_FAILURES_PER_MINUTE, clock);
        InetAddress source = InetAddress.getByName("198.51.100.7");
        for (int i = 0; i < 20; i++) {
            assertTrue(throttle.allowAttempt(source), "attempt " + (i + 1));
            throttle.recordFailure(source);
        }
        assertFalse(throttle.allowAttempt(source), "the 21st attempt within a minute");
    }

    @Test
    void failuresRefillEvenlyOverAMinute() throws Exception {
        LoginThrottle throttle = new LoginThrottle(20, clock);
        InetAddress source = InetAddress.getByName("198.51.100.7");
        for (int i = 0; i < 25; i++) {
            throttle.recordFailure(source);
        }
        assertFalse(throttle.allowAttempt(source));
        clock.advance(Duration.ofSeconds(2));
        assertFalse(throttle.allowAttempt(source), "2 s refill 2/3 of a failure");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(throttle.allowAttempt(source), "3 s refill one failure");
        throttle.recordFailure(source);
        assertFalse(throttle.allowAttempt(source));
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 20; i++) {
            assertTrue(throttle.allowAttempt(source));
            throttle.recordFailure(source);
        }
        assertFalse(throttle.allowAttempt(source), "never more than one minute's worth banked");
    }

    @Test
    void sourcesAreCountedSeparately() throws Exception {
        LoginThrottle throttle = new LoginThrottle(2, clock);
        InetAddress attacker = InetAddress.getByName("203.0.113.1");
        throttle.recordFailure(attacker);
        throttle.recordFailure(attacker);
        assertFalse(throttle.allowAttempt(attacker));
        assertTrue(throttle.allowAttempt(InetAddress.getByName("203.0.113.2")));
        assertTrue(throttle.allowAttempt(InetAddress.getByName("2001:db8::1")));
    }

    @Test
    void ipv6SourcesAreCountedPerSlash64() throws Exception {
        LoginThrottle throttle = new LoginThrottle(2, clock);
        throttle.recordFailure(InetAddress.getByName("2001:db8:1:2::1"));
        throttle.recordFailure(InetAddress.getByName("2001:db8:1:2:ffff::9"));
        assertFalse(throttle.allowAttempt(InetAddress.getByName("2001:db8:1:2:abcd::1")), "same /64");
        assertTrue(throttle.allowAttempt(InetAddress.getByName("2001:db8:1:3::1")), "next /64");
    }

    @Test
    void ipv4MappedAddressesCountAsTheirIpv4Address() throws Exception {
        LoginThrottle throttle = new LoginThrottle(1, clock);
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = (byte) 192;
        mapped[13] = 0;
        mapped[14] = 2;
        mapped[15] = 1;
        // Inet6Address.getByAddress keeps the IPv6 form, as a dual-stack socket may report it.
        throttle.recordFailure(java.net.Inet6Address.getByAddress(null, mapped, -1));
        assertFalse(throttle.allowAttempt(InetAddress.getByName("192.0.2.1")));
    }

    @Test
    void sourcesAreForgottenOnceRefilled() throws Exception {
        LoginThrottle throttle = new LoginThrottle(5, 2, clock);
        throttle.recordFailure(InetAddress.getByName("192.0.2.1"));
        throttle.recordFailure(InetAddress.getByName("192.0.2.2"));
        assertEquals(2, throttle.trackedSources());
        clock.advance(Duration.ofMinutes(1));
        throttle.recordFailure(InetAddress.getByName("192.0.2.3"));
        assertEquals(1, throttle.trackedSources(), "the two refilled sources were swept out");
    }

    @Test
    void aFullTableLetsNewSourcesThroughInsteadOfLockingThemOut() throws Exception {
        LoginThrottle throttle = new LoginThrottle(1, 2, clock);
        throttle.recordFailure(InetAddress.getByName("192.0.2.1"));
        throttle.recordFailure(InetAddress.getByName("192.0.2.2"));
        InetAddress third = InetAddress.getByName("192.0.2.3");
        throttle.recordFailure(third);
        assertEquals(2, throttle.trackedSources());
        assertTrue(throttle.allowAttempt(third));
        assertFalse(throttle.allowAttempt(InetAddress.getByName("192.0.2.1")), "tracked sources stay blocked");
    }

    @Test
    void rejectsNonsensicalLimits() {
        assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(0, clock));
        assertThrows(IllegalArgumentException.class, () -> new LoginThrottle(1, 0, clock));
    }
}
