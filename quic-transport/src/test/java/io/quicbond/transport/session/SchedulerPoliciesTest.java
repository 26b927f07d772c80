package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.scheduler.Policy;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Policies end to end over each real QUIC engine, each uplink behind a relay that counts and can drop everything. */
class SchedulerPoliciesTest {

    private static RelayedBond rig(EngineUnderTest engine, Policy policy, boolean... primary) throws Exception {
        UplinkTuning[] tunings = new UplinkTuning[primary.length];
        for (int i = 0; i < primary.length; i++) {
            tunings[i] = UplinkTuning.DEFAULT.withPrimary(primary[i]);
        }
        return rig(engine, policy, tunings);
    }

    private static RelayedBond rig(EngineUnderTest engine, Policy policy, UplinkTuning... tunings) throws Exception {
        return RelayedBond.start(engine, BondSettings.defaults().withDefaultPolicy(policy), tunings);
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(90)
    void failoverKeepsTheBackupIdleWhileThePrimaryIsUp(EngineUnderTest engine) throws Exception {
        try (RelayedBond rig = rig(engine, Policy.FAILOVER, true, false)) {
            long backupBefore = rig.relays().get(1).bytesUp();
            CompletableFuture<LoopbackBond.Received> hash = LoopbackBond.hashingSink(rig.sink());
            byte[] data = LoopbackBond.randomBytes(10 << 20, 21);
            TcpFlow flow = rig.client().openTcp(new Destination("127.0.0.1", rig.sink().getLocalPort()));
            try (OutputStream out = flow.output()) {
                out.write(data);
            }
            assertArrived(rig, hash, data, 60);
            long backupBytes = rig.relays().get(1).bytesUp() - backupBefore;
            // Only control copies (OPEN) and probes: far below the 10 MB the primary carried.
            assertTrue(backupBytes < 200_000, "backup carried " + backupBytes + " bytes");
            assertTrue(rig.relays().get(0).bytesUp() > 10_000_000, "primary carried the flow");
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(90)
    void failoverMovesToTheBackupWhenThePrimaryDies(EngineUnderTest engine) throws Exception {
        try (RelayedBond rig = rig(engine, Policy.FAILOVER, true, false)) {
            CompletableFuture<LoopbackBond.Received> hash = LoopbackBond.hashingSink(rig.sink());
            byte[] data = LoopbackBond.randomBytes(10 << 20, 22);
            TcpFlow flow = rig.client().openTcp(new Destination("127.0.0.1", rig.sink().getLocalPort()));
            try (OutputStream out = flow.output()) {
                out.write(data, 0, data.length / 2);
                rig.relays().get(0).blackhole(true);
                out.write(data, data.length / 2, data.length - data.length / 2);
            }
            assertArrived(rig, hash, data, 60);
            assertTrue(rig.relays().get(1).bytesUp() > 4_000_000, "backup took over");
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(120)
    void aLinkCutAndRestoredMidTransferCarriesTrafficAgain(EngineUnderTest engine) throws Exception {
        try (RelayedBond rig = rig(engine, Policy.AGGREGATE, true, true)) {
            CompletableFuture<LoopbackBond.Received> hash = LoopbackBond.hashingSink(rig.sink());
            TcpFlow flow = rig.client().openTcp(new Destination("127.0.0.1", rig.sink().getLocalPort()));
            FakeBlackholeRelay flaky = rig.relays().get(0);
            RelayedBond.HashedBlocks sent = new RelayedBond.HashedBlocks(23, 256 * 1024);
            long start = System.nanoTime();
            long restoredAt = 0;
            long bytesAtRestore = 0;
            long reusedAfterMillis = -1;
            try (OutputStream out = flow.output()) {
                // Keep the flow busy: cut the link at 0.3 s, restore it at 1.8 s, and go on until it has carried
                // another megabyte (or 20 s pass).
                while (true) {
                    long elapsed = (System.nanoTime() - start) / 1_000_000;
                    if (elapsed > 300 && restoredAt == 0 && !flakyCut[0]) {
                        flaky.blackhole(true);
                        flakyCut[0] = true;
                    }
                    if (elapsed > 1800 && restoredAt == 0) {
                        flaky.blackhole(false);
                        restoredAt = System.nanoTime();
                        bytesAtRestore = flaky.bytesUp();
                    }
                    if (restoredAt != 0 && flaky.bytesUp() - bytesAtRestore > 1_000_000) {
                        reusedAfterMillis = (System.nanoTime() - restoredAt) / 1_000_000;
                        break;
                    }
                    if (elapsed > 20_000) {
                        break;
                    }
                    sent.writeOne(out);
                }
            }
            LoopbackBond.Received received = hash.get(90, TimeUnit.SECONDS);
            assertArrayEquals(sent.sha256(), received.sha256(),
                    "no byte lost across the cut: " + received.bytes() + " bytes from " + received.from());
            assertTrue(reusedAfterMillis >= 0, "the restored link never carried another megabyte in 20 s");
            System.out.println("restored link carried 1 MB again " + reusedAfterMillis + " ms after it came back");
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(90)
    void redundantUdpLosesNoPacketWhileOneOfTwoLinksDropsEverything(EngineUnderTest engine) throws Exception {
        try (RelayedBond rig = rig(engine, Policy.REDUNDANT, true, true);
             java.net.DatagramSocket echo = new java.net.DatagramSocket(
                     new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            startEcho(echo);
            java.util.concurrent.LinkedBlockingQueue<byte[]> replies = new java.util.concurrent.LinkedBlockingQueue<>();
            io.quicbond.transport.UdpFlow flow = rig.client().openUdp(new Destination("127.0.0.1", echo.getLocalPort()),
                    replies::add);
            rig.relays().get(0).blackhole(true); // a call's packets must not notice
            int lost = 0;
            for (int i = 0; i < 200; i++) {
                byte[] payload = ("packet " + i).getBytes();
                flow.send(payload);
                byte[] reply = replies.poll(2, TimeUnit.SECONDS);
                if (reply == null || !java.util.Arrays.equals(payload, reply)) {
                    lost++;
                }
                byte[] duplicate = replies.poll(5, TimeUnit.MILLISECONDS);
                assertTrue(duplicate == null, "packet " + i + " delivered twice");
            }
            assertEquals(0, lost, "packets lost with one link dead");
            flow.close();
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(90)
    void redundantUdpSendsASecondCopyOnTheFastestLinkSoItsLossesAreRecovered(EngineUnderTest engine) throws Exception {
        // One uplink losing 30 % of what it sends: with one copy per uplink, 30 % of a call's packets would be
        // lost (21-23 % measured here without the copy: some losses hit packets quiche sends again); with the
        // second copy, about 9 % (both copies lost; 5-10 % measured).
        try (RelayedBond rig = rig(engine, Policy.REDUNDANT, true);
             java.net.DatagramSocket echo = new java.net.DatagramSocket(
                     new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            startEcho(echo);
            java.util.Set<String> replies = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
            io.quicbond.transport.UdpFlow flow = rig.client().openUdp(new Destination("127.0.0.1", echo.getLocalPort()),
                    reply -> {
                        delivered.incrementAndGet();
                        replies.add(new String(reply));
                    });
            flow.send("warm-up".getBytes());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!replies.contains("warm-up") && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            rig.relays().get(0).upstreamLoss(0.3);
            int packets = 400;
            for (int i = 0; i < packets; i++) {
                flow.send(("packet " + i).getBytes());
                Thread.sleep(5);
            }
            Thread.sleep(1500);
            rig.relays().get(0).upstreamLoss(0);
            long arrived = replies.stream().filter(r -> r.startsWith("packet ")).count();
            double lostShare = 1 - arrived / (double) packets;
            System.out.printf("redundant UDP over one link losing 30 %%: %.1f %% of packets lost%n", lostShare * 100);
            assertTrue(lostShare < 0.15, "lost " + lostShare * 100 + " % of packets with the second copy");
            assertEquals(replies.size(), delivered.get(), "a packet was delivered twice");
            flow.close();
        }
    }

    /** Sends every datagram back to where it came from, until the socket closes. */
    private static void startEcho(java.net.DatagramSocket echo) {
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[2048];
            try {
                while (true) {
                    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                    echo.receive(p);
                    echo.send(p);
                }
            } catch (Exception closed) {
                // test over
            }
        });
    }

    private final boolean[] flakyCut = new boolean[1];

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(120)
    void aBackupStaysIdleUnderAggregateUntilItIsRetunedToPrimary(EngineUnderTest engine) throws Exception {
        try (RelayedBond rig = rig(engine, Policy.AGGREGATE, true, false)) {
            FakeBlackholeRelay backup = rig.relays().get(1);
            long before = backup.bytesUp();
            upload(rig, LoopbackBond.randomBytes(8 << 20, 31));
            long idle = backup.bytesUp() - before;
            assertTrue(idle < 200_000, "backup carried " + idle + " bytes under aggregate while the primary was up");

            assertTrue(rig.client().retune("link1", UplinkTuning.DEFAULT));
            Thread.sleep(300); // UPLINK_SETTINGS reaches the server; a new flow starts after
            long beforeSecond = backup.bytesUp();
            upload(rig, LoopbackBond.randomBytes(24 << 20, 32));
            long carried = backup.bytesUp() - beforeSecond;
            assertTrue(carried > 1_000_000, "retuned to primary, link1 carried only " + carried + " bytes of 24 MB");
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(120)
    void rateCapsHoldAnUplinkToItsRateInBothDirections(EngineUnderTest engine) throws Exception {
        long capBits = 16_000_000; // 2 MB/s each way on link0; link1 is free
        try (RelayedBond rig = rig(engine, Policy.AGGREGATE, new UplinkTuning(true, 1.0, capBits, capBits), UplinkTuning.DEFAULT)) {
            FakeBlackholeRelay capped = rig.relays().get(0);
            Thread.sleep(300); // the settings reach the server before the download starts

            long upBefore = capped.bytesUp();
            long start = System.nanoTime();
            upload(rig, LoopbackBond.randomBytes(16 << 20, 33));
            double seconds = (System.nanoTime() - start) / 1e9;
            long up = capped.bytesUp() - upBefore;
            // What the cap allows in that time, plus QUIC's overhead (5 %), the burst, probes and ACK frames.
            double allowed = capBits / 8.0 * seconds * 1.05 + 300_000;
            assertTrue(up <= allowed, "link0 sent " + up + " B up in " + seconds + " s; the cap allows " + allowed);
            assertTrue(rig.relays().get(1).bytesUp() > 8_000_000, "the uncapped link carried the rest");

            long downBefore = capped.bytesDown();
            start = System.nanoTime();
            download(rig, 16 << 20);
            seconds = (System.nanoTime() - start) / 1e9;
            long down = capped.bytesDown() - downBefore;
            allowed = capBits / 8.0 * seconds * 1.05 + 300_000;
            assertTrue(down <= allowed, "link0 carried " + down + " B down in " + seconds + " s; the cap allows " + allowed);
            assertTrue(rig.relays().get(1).bytesDown() > 8_000_000, "the uncapped link carried the rest");
        }
    }

    @ParameterizedTest
    @EnumSource(EngineUnderTest.class)
    @Timeout(90)
    void everyUplinksBacklogDrainsToZeroOnceTheFarEndHasEverything(EngineUnderTest engine) throws Exception {
        try (RelayedBond rig = rig(engine, Policy.AGGREGATE, true, true)) {
            upload(rig, LoopbackBond.randomBytes(16 << 20, 35));
            long deadline = System.nanoTime() + 5_000_000_000L;
            java.util.List<Long> backlog;
            do {
                Thread.sleep(50);
                backlog = rig.client().status().session().uplinks().stream().map(SessionStatus.UplinkStatus::unackedBytes)
                        .toList();
            } while (backlog.stream().anyMatch(b -> b > 0) && System.nanoTime() < deadline);
            assertEquals(java.util.List.of(0L, 0L), backlog, "bytes each uplink still counts as not received");
        }
    }

    private static void upload(RelayedBond rig, byte[] data) throws Exception {
        CompletableFuture<LoopbackBond.Received> hash = LoopbackBond.hashingSink(rig.sink());
        TcpFlow flow = rig.client().openTcp(new Destination("127.0.0.1", rig.sink().getLocalPort()));
        try (OutputStream out = flow.output()) {
            out.write(data);
        }
        assertArrived(rig, hash, data, 90);
    }

    /**
     * Waits for the sink to have everything and checks it; a flow that does not finish, or arrives short or
     * damaged, fails with both ends' uplink and flow state and the relays' counters. (Once in about ten runs of
     * this class, the kwik case of failoverMovesToTheBackupWhenThePrimaryDies ended at the sink after exactly the
     * first 5 MiB with a clean EOF: two uplinks' readers both created the flow's send side; see BondFlowTest.)
     */
    private static void assertArrived(RelayedBond rig, CompletableFuture<LoopbackBond.Received> hash, byte[] data,
                                      int seconds) throws Exception {
        try {
            hash.get(seconds, TimeUnit.SECONDS).assertIs(data);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("upload did not finish in " + seconds + " s:\n" + rig.describe(), e);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + rig.describe(), e);
        }
    }

    /** Reads {@code size} bytes that a local server writes, through the bond, and checks their hash. */
    private static void download(RelayedBond rig, int size) throws Exception {
        byte[] data = LoopbackBond.randomBytes(size, 34);
        CompletableFuture<Void> source = CompletableFuture.runAsync(() -> {
            try (Socket s = rig.sink().accept(); OutputStream out = s.getOutputStream()) {
                out.write(data);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        }, LoopbackBond.THREADS);
        TcpFlow flow = rig.client().openTcp(new Destination("127.0.0.1", rig.sink().getLocalPort()));
        flow.output().close();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = flow.input()) {
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) >= 0) {
                md.update(buf, 0, n);
            }
        }
        source.get(30, TimeUnit.SECONDS);
        assertArrayEquals(LoopbackBond.sha256(data), md.digest());
    }
}
