package io.quicbond.interop.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The emulator measured from outside, over loopback: rate, delay, loss, queue and outages as a receiver sees
 * them. Targets: rate within 2 %, delay within 1 ms. Measured figures are printed with a MEASURED prefix.
 */
@Timeout(60)
class LinkEmulatorTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void deliversTheConfiguredRateWithinTwoPercent() throws Exception {
        long rate = 20_000_000;
        // The queue must hold the whole excess of a 22 Mbit/s offer, so nothing is tail-dropped.
        LinkProfile profile = LinkProfile.of(rate, Duration.ZERO).withQueueLimit(4 << 20);
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), profile, LinkProfile.unlimited())) {
            // The opening burst fills the queue, so that a stall of the sending test thread cannot idle the link.
            int count = 4700;
            client.sendPaced(link.localAddress(), count, 1200, 22_000_000, 100);
            assertEquals(count, server.await(count, WAIT), "all datagrams arrive: " + link.stats());
            double measured = rateOf(server.arrivals());
            System.out.printf(Locale.ROOT, "MEASURED rate: set %d bit/s, got %.0f bit/s (%+.3f %%) over %.2f s%n",
                    rate, measured, 100 * (measured / rate - 1), spanSeconds(server.arrivals()));
            assertEquals(rate, measured, rate * 0.02);
            assertEquals(0, link.stats().up().droppedQueue());
        }
    }

    @Test
    void addsTheConfiguredDelayWithinOneMillisecond() throws Exception {
        Duration delay = Duration.ofMillis(15);
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer echo = UdpPeer.echo()) {
            int probes = 300;
            client.sendPaced(echo.address(), probes, 64, 64 * 8 * 500, 0);   // one probe per 2 ms
            client.await(probes, WAIT);
            double baseline = median(client.arrivals().stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray());
            client.clear();
            echo.clear();
            try (LinkEmulator link = LinkEmulator.start(echo.address(), LinkProfile.of(0, delay),
                    LinkProfile.of(0, delay))) {
                client.sendPaced(link.localAddress(), probes, 64, 64 * 8 * 300, 0);   // one per 3.3 ms
                assertEquals(probes, client.await(probes, WAIT), () -> "all echoes return: " + link.stats());
            }
            double rtt = median(client.arrivals().stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray());
            double oneWay = (rtt - baseline) / 2;
            double upOnly = median(echo.arrivals().stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray());
            System.out.printf(Locale.ROOT, "MEASURED delay: set %.3f ms, one-way from echo RTT %.3f ms (error %+.3f ms;"
                            + " baseline RTT %.3f ms, emulated RTT %.3f ms); up direction alone %.3f ms%n",
                    delay.toNanos() / 1e6, oneWay / 1e6, (oneWay - delay.toNanos()) / 1e6, baseline / 1e6, rtt / 1e6,
                    upOnly / 1e6);
            assertEquals(delay.toNanos(), oneWay, 1_000_000);
            assertEquals(delay.toNanos(), upOnly, 1_000_000);
        }
    }

    @Test
    void losesTheConfiguredShareWithinStatisticalBounds() throws Exception {
        int count = 20_000;
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), LinkProfile.unlimited().withLoss(0.10),
                     LinkProfile.unlimited())) {
            // 40 000 datagrams/s: quick, yet slow enough that no socket buffer on loopback overflows.
            client.sendPaced(link.localAddress(), count, 100, 100 * 8 * 40_000L, 0);
            server.awaitQuiet(Duration.ofMillis(200), WAIT);
            DirectionStats up = link.stats().up();
            double measured = 1 - (double) server.count() / count;
            System.out.printf(Locale.ROOT, "MEASURED loss: set 10 %%, got %.2f %% of %d datagrams%n",
                    100 * measured, count);
            // The emulator must be the only place where datagrams vanish, or the figure would not be its own.
            assertEquals(count, up.packetsIn(), up::toString);
            assertEquals(up.packetsDelivered(), server.count(), up::toString);
            assertEquals(up.droppedLoss(), count - server.count(), up::toString);
            // 10 % of 20 000 has a standard deviation of 0.21 %: these bounds are 7 sigma wide.
            assertTrue(measured >= 0.085 && measured <= 0.115, "loss " + measured);
        }
    }

    @Test
    void tailDropsBeyondTheQueueLimit() throws Exception {
        // 1 Mbit/s: 8 ms per 1000-byte datagram; the queue holds 12 of them.
        LinkProfile profile = LinkProfile.of(1_000_000, Duration.ZERO).withQueueLimit(12_000);
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), profile, LinkProfile.unlimited())) {
            long start = System.nanoTime();
            for (int i = 0; i < 60; i++) {
                client.send(link.localAddress(), i, 1000);
            }
            long burstNanos = System.nanoTime() - start;
            server.awaitQuiet(Duration.ofMillis(100), WAIT);
            DirectionStats up = link.stats().up();
            List<UdpPeer.Arrival> arrivals = server.arrivals();
            long worst = arrivals.stream().mapToLong(UdpPeer.Arrival::oneWayNanos).max().orElseThrow();
            System.out.printf(Locale.ROOT, "MEASURED queue: 60 x 1000 B into 12000 B at 1 Mbit/s: %d delivered,"
                            + " %d tail-dropped (burst took %.2f ms), longest one-way %.2f ms%n",
                    arrivals.size(), up.droppedQueue(), burstNanos / 1e6, worst / 1e6);
            assertEquals(60, up.packetsIn());
            assertEquals(60 - arrivals.size(), up.droppedQueue(), up::toString);
            // 12 fit at once; one more for each 8 ms the relay took to read the burst, which is a few at most.
            assertTrue(arrivals.size() >= 12 && up.droppedQueue() >= 40, up::toString);
            // The first datagrams got through and the rest were dropped at the tail, not at random.
            for (int i = 0; i < 12; i++) {
                assertEquals(i, arrivals.get(i).seq());
            }
            // A datagram waits at most for a full queue plus itself to be serialised: 13 x 8 ms.
            assertTrue(worst < 13 * 8_000_000 + 2_000_000, "worst wait " + worst / 1e6 + " ms");
        }
    }

    @Test
    void cutDropsEverythingInBothDirectionsAndRestoreResumes() throws Exception {
        LinkProfile profile = LinkProfile.of(0, Duration.ofMillis(30));
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), profile, profile)) {
            exchange(client, server, link, 10);
            assertEquals(10, server.await(10, WAIT));
            assertEquals(10, client.await(10, WAIT));
            SocketAddress relay = server.lastSender();

            // Sent just before the cut, still on the 30 ms wire when it happens: a dead link loses those too.
            sendBoth(client, server, link.localAddress(), relay, 10);
            link.cut();
            assertTrue(link.isCut());
            sendBoth(client, server, link.localAddress(), relay, 50);
            LockSupport.parkNanos(Duration.ofMillis(150).toNanos());
            assertEquals(10, server.count(), "nothing crosses a cut link upwards");
            assertEquals(10, client.count(), "nothing crosses a cut link downwards");
            LinkEmulator.Stats stats = link.stats();
            assertEquals(60, stats.up().droppedOutage(), stats::toString);
            assertEquals(60, stats.down().droppedOutage(), stats::toString);

            link.restore();
            assertFalse(link.isCut());
            sendBoth(client, server, link.localAddress(), relay, 10);
            assertEquals(20, server.await(20, WAIT), "up resumes after restore");
            assertEquals(20, client.await(20, WAIT), "down resumes after restore");
        }
    }

    @Test
    void restoredTrafficDoesNotWaitBehindWhatTheCutDropped() throws Exception {
        // 1 Mbit/s: 15 x 1000 B make a 120 ms queue, which the cut must throw away with its delivery times.
        LinkProfile profile = LinkProfile.of(1_000_000, Duration.ofMillis(30));
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), profile, profile)) {
            for (int i = 0; i < 15; i++) {
                client.send(link.localAddress(), i, 1000);
            }
            LockSupport.parkNanos(5_000_000);
            link.cut();
            link.restore();
            client.send(link.localAddress(), 99, 1000);
            assertEquals(1, server.await(1, WAIT));
            LockSupport.parkNanos(150_000_000);
            assertEquals(1, server.count(), "only the datagram sent after the restore arrives");
            UdpPeer.Arrival probe = server.arrivals().getFirst();
            assertEquals(99, probe.seq());
            // 30 ms delay + 8 ms serialisation; waiting behind the dead queue would take some 110 ms more.
            assertTrue(probe.oneWayNanos() < 50_000_000, "one-way " + probe.oneWayNanos() / 1e6 + " ms");
        }
    }

    @Test
    void scheduledOutageCutsAndRestoresOnTime() throws Exception {
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), LinkProfile.unlimited(),
                     LinkProfile.unlimited())) {
            List<ScheduledAction> script = ScheduledAction.parseList("cut@150ms,restore@350ms");
            long start = System.nanoTime();
            link.schedule(script);
            client.sendPaced(link.localAddress(), 100, 100, 100 * 8 * 200, 0);   // one per 5 ms for 500 ms
            server.awaitQuiet(Duration.ofMillis(50), WAIT);
            long[] sentAt = server.arrivals().stream().mapToLong(a -> (a.sentNanos() - start) / 1_000_000).toArray();
            System.out.println("MEASURED schedule: delivered send times (ms) " + Arrays.toString(sentAt));
            assertTrue(Arrays.stream(sentAt).noneMatch(t -> t > 155 && t < 345), "a packet crossed the outage");
            assertTrue(Arrays.stream(sentAt).anyMatch(t -> t < 150), "link worked before the outage");
            assertTrue(Arrays.stream(sentAt).anyMatch(t -> t > 350), "link worked after the outage");
            assertTrue(link.stats().up().droppedOutage() >= 35, link.stats()::toString);
        }
    }

    @Test
    void directionsAreShapedIndependently() throws Exception {
        LinkProfile upProfile = LinkProfile.of(20_000_000, Duration.ofMillis(10)).withQueueLimit(2 << 20);
        LinkProfile downProfile = LinkProfile.of(5_000_000, Duration.ofMillis(30)).withQueueLimit(1 << 20);
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), upProfile, downProfile)) {
            client.send(link.localAddress(), -1, 16);
            server.await(1, WAIT);
            SocketAddress relay = server.lastSender();
            server.clear();
            int upCount = 3000;
            int downCount = 900;
            Thread down = Thread.ofPlatform().start(() -> {
                try {
                    server.sendPaced(relay, downCount, 1200, 6_000_000, 30);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            client.sendPaced(link.localAddress(), upCount, 1200, 24_000_000, 100);
            down.join();
            assertEquals(upCount, server.await(upCount, WAIT), link.stats()::toString);
            assertEquals(downCount, client.await(downCount, WAIT), link.stats()::toString);
            List<UdpPeer.Arrival> upArrivals = server.arrivals();
            List<UdpPeer.Arrival> downArrivals = client.arrivals();
            double upRate = rateOf(upArrivals);
            double downRate = rateOf(downArrivals);
            // Printed only: the first datagram found its queue empty (delay + its own serialisation), but one sample
            // is at the mercy of the scheduler; the probes below measure each direction's delay robustly.
            double upFirst = upArrivals.getFirst().oneWayNanos();
            double downFirst = downArrivals.getFirst().oneWayNanos();
            System.out.printf(Locale.ROOT, "MEASURED independent directions: up %.0f bit/s (%+.3f %%), first one-way"
                            + " %.3f ms; down %.0f bit/s (%+.3f %%), first one-way %.3f ms%n",
                    upRate, 100 * (upRate / 20e6 - 1), upFirst / 1e6, downRate, 100 * (downRate / 5e6 - 1),
                    downFirst / 1e6);
            assertEquals(20e6, upRate, 20e6 * 0.02);
            assertEquals(5e6, downRate, 5e6 * 0.02);

            // Light probes both ways at once, so that queueing does not blur each direction's own delay.
            server.clear();
            client.clear();
            for (int i = 0; i < 40; i++) {
                sendBoth(client, server, link.localAddress(), relay, 1);
                LockSupport.parkNanos(3_000_000);
            }
            assertEquals(40, server.await(40, WAIT));
            assertEquals(40, client.await(40, WAIT));
            double upDelay = median(server.arrivals().stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray());
            double downDelay = median(client.arrivals().stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray());
            System.out.printf(Locale.ROOT, "MEASURED independent directions: median one-way up %.3f ms (set 10 ms),"
                    + " down %.3f ms (set 30 ms)%n", upDelay / 1e6, downDelay / 1e6);
            // 100-byte probes take 40 us (up) and 160 us (down) to serialise.
            assertEquals(10.04e6, upDelay, 1e6);
            assertEquals(30.16e6, downDelay, 1e6);

            // Switching one direction off leaves the other alone.
            link.setProfile(LinkEmulator.Direction.DOWN, downProfile.withUp(false));
            server.clear();
            client.clear();
            sendBoth(client, server, link.localAddress(), relay, 20);
            assertEquals(20, server.await(20, WAIT));
            LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
            assertEquals(0, client.count());
            assertEquals(20, link.stats().down().droppedOutage());
        }
    }

    @Test
    void profileChangesApplyToLaterDatagrams() throws Exception {
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), LinkProfile.of(0, Duration.ofMillis(5)),
                     LinkProfile.unlimited())) {
            client.sendPaced(link.localAddress(), 20, 100, 100 * 8 * 1000, 0);
            server.await(20, WAIT);
            link.setProfile(LinkEmulator.Direction.UP, LinkProfile.of(0, Duration.ofMillis(40)));
            assertEquals(Duration.ofMillis(40), link.profile(LinkEmulator.Direction.UP).delay());
            client.sendPaced(link.localAddress(), 20, 100, 100 * 8 * 1000, 0);
            assertEquals(40, server.await(40, WAIT));
            List<UdpPeer.Arrival> a = server.arrivals();
            assertEquals(5e6, median(a.subList(0, 20).stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray()), 1e6);
            assertEquals(40e6, median(a.subList(20, 40).stream().mapToLong(UdpPeer.Arrival::oneWayNanos).toArray()), 1e6);
        }
    }

    @Test
    void remembersTheFirstClientAndIgnoresOthers() throws Exception {
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer stranger = UdpPeer.receiver();
             UdpPeer server = UdpPeer.receiver();
             LinkEmulator link = LinkEmulator.start(server.address(), LinkProfile.unlimited(),
                     LinkProfile.unlimited())) {
            client.send(link.localAddress(), 1, 100);
            assertEquals(1, server.await(1, WAIT));
            stranger.send(link.localAddress(), 2, 100);
            server.send(server.lastSender(), 3, 100);
            assertEquals(1, client.await(1, WAIT));
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
            assertEquals(1, server.count());
            assertEquals(0, stranger.count());
            assertEquals(client.address(), link.clientAddress().orElseThrow());
            assertEquals(1, link.stats().ignoredPackets());
        }
    }

    @Test
    void emulatedLinksStartsOneRelayPerNamedLink() throws Exception {
        try (UdpPeer client = UdpPeer.receiver(); UdpPeer server = UdpPeer.receiver();
             EmulatedLinks links = EmulatedLinks.start(server.address(), "fast=unlimited/5ms,slow=unlimited/25ms")) {
            assertEquals(List.of("fast", "slow"), List.copyOf(links.names()));
            assertNotEquals(links.get("fast").localAddress(), links.get("slow").localAddress());
            for (int i = 0; i < 20; i++) {
                client.send(links.get("fast").localAddress(), 1, 100);
                client.send(links.get("slow").localAddress(), 2, 100);
                LockSupport.parkNanos(2_000_000);
            }
            assertEquals(40, server.await(40, WAIT));
            List<UdpPeer.Arrival> arrivals = server.arrivals();
            assertEquals(5e6, median(arrivals.stream().filter(a -> a.seq() == 1)
                    .mapToLong(UdpPeer.Arrival::oneWayNanos).toArray()), 1e6);
            assertEquals(25e6, median(arrivals.stream().filter(a -> a.seq() == 2)
                    .mapToLong(UdpPeer.Arrival::oneWayNanos).toArray()), 1e6);
        }
    }

    // ------------------------------------------------------------------ helpers

    private static void exchange(UdpPeer client, UdpPeer server, LinkEmulator link, int n) throws Exception {
        for (int i = 0; i < n; i++) {
            client.send(link.localAddress(), i, 100);
        }
        server.await(1, WAIT);
        for (int i = 0; i < n; i++) {
            server.send(server.lastSender(), i, 100);
        }
    }

    private static void sendBoth(UdpPeer client, UdpPeer server, SocketAddress relayFront, SocketAddress relayBack,
                                 int n) throws Exception {
        for (int i = 0; i < n; i++) {
            client.send(relayFront, i, 100);
            server.send(relayBack, i, 100);
        }
    }

    /** Bytes after the first datagram over the time from first to last arrival: the link's serialisation rate. */
    private static double rateOf(List<UdpPeer.Arrival> arrivals) {
        long bits = 0;
        for (int i = 1; i < arrivals.size(); i++) {
            bits += arrivals.get(i).size() * 8L;
        }
        return bits / (spanSeconds(arrivals));
    }

    private static double spanSeconds(List<UdpPeer.Arrival> arrivals) {
        return (arrivals.getLast().atNanos() - arrivals.getFirst().atNanos()) / 1e9;
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }
}
