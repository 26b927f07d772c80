package io.quicbond.transport.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OutgoingStreamTest {

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void chunksCopiedIntoTheCallersBufferLandAtTheGivenOffsetAndLeaveTheRestAlone() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath p = new FakePath(1);
        byte[] data = bytes(100_000, 2);
        s.write(data, 0, data.length);
        byte[] batch = new byte[16384 + 100];
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Chunk c;
        while ((c = s.takeChunk(p, 16384, false, 0, batch, 37)) != null) {
            assertSame(batch, c.payload());
            assertEquals(37, c.payloadOffset());
            got.write(batch, 37, c.length());
        }
        assertArrayEquals(data, got.toByteArray());
        for (int i = 0; i < 37; i++) {
            assertEquals(0, batch[i], "byte " + i + " before the offset untouched");
        }
        assertThrows(IndexOutOfBoundsException.class, () -> s.takeChunk(p, 16384, false, 0, new byte[100], 0));
    }

    @Test
    void chunksCoverTheWrittenBytesAndTheFinTakesOnePosition() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath p = new FakePath(1);
        byte[] data = bytes(100_000, 1);
        s.write(data, 0, data.length);
        s.close();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        Chunk c;
        Chunk last = null;
        while ((c = s.takeChunk(p, 16384, false, 0)) != null) {
            got.write(c.payload(), 0, c.length());
            last = c;
        }
        assertArrayEquals(data, got.toByteArray());
        assertTrue(last.fin());
        assertEquals(100_001, p.unacked, "the FIN is one position");
        s.onAck(100_001, 2 << 20);
        assertTrue(s.isFinished());
        assertEquals(0, p.unacked);
        assertEquals(100_001, p.delivered);
    }

    @Test
    void chunksMoveToSurvivingUplinkWhenOneGoesSilent() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath dead = new FakePath(1);
        FakePath alive = new FakePath(2);
        byte[] data = bytes(50_000, 2);
        s.write(data, 0, data.length);
        Chunk a = s.takeChunk(dead, 20_000, false, 0);
        Chunk b = s.takeChunk(alive, 20_000, false, 0);
        assertEquals(0, a.offset());
        assertEquals(20_000, b.offset());
        assertEquals(20_000, s.pathFailed(dead));
        assertEquals(0, dead.unacked);
        Chunk again = s.takeChunk(alive, 50_000, false, 0);
        assertTrue(again.retransmission());
        assertEquals(0, again.offset());
        assertArrayEquals(Arrays.copyOfRange(data, 0, 20_000), Arrays.copyOf(again.payload(), again.length()));
        Chunk rest = s.takeChunk(alive, 50_000, false, 0);
        assertEquals(40_000, rest.offset());
        assertEquals(10_000, rest.length());
    }

    @Test
    void acknowledgedBytesAreNotResentWhenTheirPathFails() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath p = new FakePath(1);
        byte[] data = bytes(30_000, 3);
        s.write(data, 0, data.length);
        s.takeChunk(p, 30_000, false, 0);
        s.onAck(10_000, 1 << 20);
        assertEquals(20_000, s.pathFailed(p));
        Chunk c = s.takeChunk(new FakePath(2), 100_000, false, 0);
        assertEquals(10_000, c.offset());
        assertEquals(20_000, c.length());
    }

    @Test
    void chunksTheFarEndReportsReceivedAreNotResentWhenTheirPathFails() throws Exception {
        // The far end holds chunks 0 and 2 of the dead path, in its reorder buffer behind chunk 1 on the other
        // path; only chunk 3, still in flight on the dead path, must go again.
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath dead = new FakePath(1);
        FakePath alive = new FakePath(2);
        byte[] data = bytes(40_000, 5);
        s.write(data, 0, data.length);
        s.takeChunk(dead, 10_000, false, 0);
        s.takeChunk(alive, 10_000, false, 0);
        s.takeChunk(dead, 10_000, false, 0);
        s.takeChunk(dead, 10_000, false, 0);
        dead.farEndReceived = 20_000; // two of its three chunks, in the order it sent them
        assertEquals(10_000, s.pathFailed(dead));
        assertEquals(0, dead.unacked);
        Chunk again = s.takeChunk(alive, 40_000, false, 0);
        assertTrue(again.retransmission());
        assertEquals(30_000, again.offset());
        assertEquals(10_000, again.length());
        assertNull(s.takeChunk(alive, 40_000, false, 0));
    }

    /** A stream holding {@code written} bytes whose first 10 000 went out on {@code path} at time 0. */
    private static OutgoingStream withFirstChunkOn(FakePath path, int written, int seed) throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        s.write(bytes(written, seed), 0, written);
        s.takeChunk(path, 10_000, false, 0);
        return s;
    }

    @Test
    void aLateChunkTheFarEndAlreadyHasIsNotRescued() throws Exception {
        FakePath slow = new FakePath(1);
        FakePath fast = new FakePath(2);
        OutgoingStream s = withFirstChunkOn(slow, 20_000, 6);
        assertEquals(10_000, s.reinjectLate(1_000_000_000L, (p, ahead) -> 1, fast), "late and not reported: rescued");
        FakePath slow2 = new FakePath(3);
        OutgoingStream t = withFirstChunkOn(slow2, 20_000, 6);
        slow2.farEndReceived = 10_000;
        assertEquals(0, t.reinjectLate(100_000_000L, (p, ahead) -> 1, fast), "reported received: left alone");
    }

    @Test
    void aRangeReportedReceivedThatTheFlowNeverAcknowledgesGoesAgainAfterTheGrace() throws Exception {
        // A path's report can be wrong (its stream cut short or corrupt); trusting it for ever would stall the flow.
        FakePath slow = new FakePath(1);
        FakePath fast = new FakePath(2);
        OutgoingStream s = withFirstChunkOn(slow, 20_000, 6);
        slow.farEndReceived = 10_000;
        long deadline = 100_000_000L;
        long grace = OutgoingStream.REPORTED_BUT_UNACKED_GRACE_NANOS;
        assertEquals(0, s.reinjectLate(deadline + grace, (p, ahead) -> deadline, fast), "within the grace");
        assertEquals(10_000, s.reinjectLate(deadline + grace + 1, (p, ahead) -> deadline, fast));
        Chunk again = s.takeChunk(fast, 20_000, false, deadline + grace + 1);
        assertEquals(0, again.offset());
        assertTrue(again.retransmission());
    }

    @Test
    void aFailedPathsReportedRangeStaysTrackedUntilTheFlowAcknowledgesIt() throws Exception {
        long grace = OutgoingStream.REPORTED_BUT_UNACKED_GRACE_NANOS;
        FakePath dead = new FakePath(1);
        FakePath alive = new FakePath(2);
        OutgoingStream s = withFirstChunkOn(dead, 30_000, 11);
        s.takeChunk(alive, 10_000, false, 0);
        dead.farEndReceived = 10_000;
        assertEquals(0, s.pathFailed(dead, 1_000), "reported received: not re-sent at once");
        assertEquals(0, dead.unacked);
        assertEquals(0, s.reinjectLate(1_000 + grace, (p, ahead) -> Long.MAX_VALUE, alive));
        assertEquals(10_000, s.reinjectLate(1_001 + grace, (p, ahead) -> Long.MAX_VALUE, alive),
                "the flow's ACK never passed it: the report was wrong");
        assertEquals(0, s.takeChunk(alive, 20_000, false, 0).offset());

        FakePath dead2 = new FakePath(3);
        OutgoingStream t = withFirstChunkOn(dead2, 30_000, 11);
        t.takeChunk(alive, 10_000, false, 0);
        dead2.farEndReceived = 10_000;
        t.pathFailed(dead2, 1_000);
        t.onAck(10_000, 1 << 20);
        assertEquals(0, t.reinjectLate(10 * grace, (p, ahead) -> Long.MAX_VALUE, alive), "acknowledged: forgotten");
    }

    @Test
    void peerWindowLimitsNewBytesButNotTheFin() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1000);
        FakePath p = new FakePath(1);
        s.write(bytes(1000, 4), 0, 1000);
        s.close();
        Chunk c = s.takeChunk(p, 5000, false, 0);
        assertEquals(1000, c.length());
        assertTrue(c.fin(), "the FIN needs no window");
        assertNull(s.takeChunk(p, 5000, false, 0));

        OutgoingStream t = new OutgoingStream(2, 1 << 20, 1000);
        t.write(bytes(3000, 5), 0, 3000);
        assertEquals(1000, t.takeChunk(p, 5000, false, 0).length());
        assertNull(t.takeChunk(p, 5000, false, 0), "window exhausted");
        t.onAck(500, 2500);
        assertEquals(1500, t.takeChunk(p, 5000, false, 0).length());
    }

    @Test
    void redundantPathsEachCarryEveryByte() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath a = new FakePath(1);
        FakePath b = new FakePath(2);
        s.write(bytes(40_000, 6), 0, 40_000);
        long aBytes = 0;
        long bBytes = 0;
        Chunk c;
        while ((c = s.takeChunk(a, 16384, true, 0)) != null) {
            aBytes += c.length();
        }
        while ((c = s.takeChunk(b, 16384, true, 0)) != null) {
            bBytes += c.length();
        }
        assertEquals(40_000, aBytes);
        assertEquals(40_000, bBytes);
        s.onAck(40_000, 1 << 20);
        assertEquals(0, a.unacked);
        assertEquals(0, b.unacked);
    }

    @Test
    void writerBlocksOnAFullBufferUntilAnAckFreesIt() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 10_000, 1 << 20);
        FakePath p = new FakePath(1);
        s.write(bytes(10_000, 7), 0, 10_000);
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                s.write(new byte[5000], 0, 5000);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(100);
        assertFalse(blocked.isDone());
        s.takeChunk(p, 10_000, false, 0);
        s.onAck(6000, 1 << 20);
        blocked.get(5, TimeUnit.SECONDS);
    }

    @Test
    void abortFailsBlockedWriters() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 100, 1 << 20);
        s.write(new byte[100], 0, 100);
        CompletableFuture<Void> blocked = CompletableFuture.runAsync(() -> {
            try {
                s.write(new byte[1], 0, 1);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(50);
        s.abort();
        assertThrows(Exception.class, () -> blocked.get(5, TimeUnit.SECONDS));
    }

    @Test
    void lateHeadOfLineRangeIsReinjected() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath slow = new FakePath(1);
        FakePath fast = new FakePath(2);
        s.write(bytes(20_000, 8), 0, 20_000);
        s.takeChunk(slow, 10_000, false, 0);
        s.takeChunk(fast, 10_000, false, 0);
        assertEquals(0, s.reinjectLate(50, (path, ahead) -> 100, fast), "not late yet");
        assertEquals(10_000, s.reinjectLate(200, (path, ahead) -> 100, fast));
        Chunk c = s.takeChunk(fast, 20_000, false, 200);
        assertEquals(0, c.offset());
        assertTrue(c.retransmission());
    }

    @Test
    void aRescuedRangeGoesOnlyOnceWhileItsCopyIsInTime() throws Exception {
        FakePath slow = new FakePath(1);
        FakePath mid = new FakePath(2);
        FakePath fast = new FakePath(3);
        OutgoingStream s = withFirstChunkOn(slow, 20_000, 12);
        OutgoingStream.ArrivalDeadline deadline = (path, ahead) -> 100;
        assertEquals(10_000, s.reinjectLate(200, deadline, fast));
        assertEquals(0, s.takeChunk(fast, 20_000, false, 210).offset());
        for (long now = 220; now < 1_000_000; now += 20_000) {
            assertEquals(0, s.reinjectLate(now, deadline, fast), "the copy on the fastest path is left to it");
        }

        OutgoingStream t = withFirstChunkOn(slow, 20_000, 12);
        assertEquals(10_000, t.reinjectLate(200, deadline, fast));
        Chunk copy = t.takeChunk(mid, 20_000, false, 210); // the fastest was full: another path took it
        assertTrue(copy.retransmission());
        assertEquals(0, t.reinjectLate(300, deadline, fast), "the copy on the other path is not due yet");
        assertEquals(10_000, t.reinjectLate(311, deadline, fast), "both copies overdue: once more");
    }

    @Test
    void theDeadlineOfALateChunkCountsWhatItsPathHadToCarryBeforeIt() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath slow = new FakePath(1);
        FakePath fast = new FakePath(2);
        slow.farEndReceived = 0;
        s.write(bytes(30_000, 9), 0, 30_000);
        s.takeChunk(slow, 10_000, false, 0);
        long[] seen = new long[1];
        s.reinjectLate(1, (path, ahead) -> {
            seen[0] = ahead;
            return Long.MAX_VALUE;
        }, fast);
        assertEquals(10_000, seen[0], "the chunk itself, nothing reported yet");
    }

    @Test
    void aPathThatMayNotTakeRetransmissionsGetsNewBytesAndLeavesThemForAnother() throws Exception {
        OutgoingStream s = new OutgoingStream(1, 1 << 20, 1 << 20);
        FakePath dead = new FakePath(1);
        FakePath slow = new FakePath(2);
        FakePath fast = new FakePath(3);
        s.write(bytes(30_000, 10), 0, 30_000);
        s.takeChunk(dead, 10_000, false, 0);
        s.pathFailed(dead);
        Chunk c = s.takeChunk(slow, 10_000, false, false, 0, null, 0);
        assertEquals(10_000, c.offset());
        assertFalse(c.retransmission());
        assertTrue(s.hasRetransmissions());
        Chunk again = s.takeChunk(fast, 10_000, false, true, 0, null, 0);
        assertEquals(0, again.offset());
        assertTrue(again.retransmission());
        assertFalse(s.hasRetransmissions());
    }

    /**
     * Random interleavings where paths lose chunks and report receiving some they lost: with time passing, the
     * head-of-line rescue still completes the flow with every byte exact.
     */
    @Test
    void wrongPathReportsDelayButNeverStallAFlow() throws Exception {
        long grace = OutgoingStream.REPORTED_BUT_UNACKED_GRACE_NANOS;
        for (int round = 0; round < 30; round++) {
            Random r = new Random(1000 + round);
            OutgoingStream s = new OutgoingStream(1, 1 << 30, 1 << 30);
            FakePath[] paths = {new FakePath(1), new FakePath(2), new FakePath(3)};
            byte[] data = bytes(100_000 + r.nextInt(50_000), round);
            s.write(data, 0, data.length);
            s.close();
            byte[] received = new byte[data.length];
            boolean[] have = new boolean[data.length + 1];
            long contiguous = 0;
            long now = 0;
            int steps = 0;
            while (contiguous < data.length + 1) {
                assertTrue(++steps < 100_000, "round " + round + ": stalled at " + contiguous);
                now += 10_000_000L;
                FakePath path = paths[r.nextInt(3)];
                Chunk c = s.takeChunk(path, 1 + r.nextInt(20_000), false, now);
                if (c != null && r.nextInt(4) > 0) {
                    System.arraycopy(c.payload(), 0, received, (int) c.offset(), c.length());
                    for (long i = c.offset(); i < c.offset() + c.length(); i++) {
                        have[(int) i] = true;
                    }
                    have[data.length] |= c.fin();
                }
                // Every path reports everything it was given, lost or not.
                path.farEndReceived = path.sequence;
                while (contiguous < have.length && have[(int) contiguous]) {
                    contiguous++;
                }
                s.onAck(contiguous, 1 << 30);
                if (r.nextInt(20) == 0) {
                    s.pathFailed(paths[r.nextInt(3)], now);
                }
                s.reinjectLate(now, (p, ahead) -> 50_000_000L, paths[0]);
            }
            assertArrayEquals(data, received);
            assertTrue(s.isFinished());
        }
    }

    /** Random interleavings of writes, takes on three paths, acks and failures never lose or corrupt a byte. */
    @Test
    void randomScheduleDeliversEveryByteExactly() throws Exception {
        for (int round = 0; round < 50; round++) {
            Random r = new Random(round);
            OutgoingStream s = new OutgoingStream(1, 1 << 30, 1 << 30);
            FakePath[] paths = {new FakePath(1), new FakePath(2), new FakePath(3)};
            byte[] data = bytes(200_000 + r.nextInt(100_000), round);
            int written = 0;
            byte[] received = new byte[data.length];
            boolean[] have = new boolean[data.length + 1];
            long contiguous = 0;
            while (contiguous < data.length + 1) {
                int op = r.nextInt(10);
                if (op < 3 && written < data.length) {
                    int n = Math.min(data.length - written, 1 + r.nextInt(40_000));
                    s.write(data, written, n);
                    written += n;
                    if (written == data.length) {
                        s.close();
                    }
                } else if (op < 8) {
                    Chunk c = s.takeChunk(paths[r.nextInt(3)], 1 + r.nextInt(20_000), false, 0);
                    if (c != null && r.nextInt(5) > 0) { // some chunks are "lost" with their path
                        System.arraycopy(c.payload(), 0, received, (int) c.offset(), c.length());
                        for (long i = c.offset(); i < c.offset() + c.length(); i++) {
                            have[(int) i] = true;
                        }
                        if (c.fin()) {
                            have[data.length] = true;
                        }
                    }
                } else if (op < 9) {
                    while (contiguous < have.length && have[(int) contiguous]) {
                        contiguous++;
                    }
                    s.onAck(contiguous, 1 << 30);
                } else {
                    s.pathFailed(paths[r.nextInt(3)]);
                }
            }
            assertArrayEquals(data, received);
            assertTrue(s.isFinished());
        }
    }
}
