package io.quicbond.transport.flow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowResetException;
import io.quicbond.transport.frame.BondProtocolException;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class IncomingStreamTest {

    private static byte[] readAll(IncomingStream s) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[7000];
        int n;
        while ((n = s.read(buf, 0, buf.length)) >= 0) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    @Test
    void outOfOrderAndDuplicatedChunksComeOutInOrderOnce() throws Exception {
        Random r = new Random(3);
        byte[] data = new byte[300_000];
        r.nextBytes(data);
        List<int[]> pieces = new ArrayList<>();
        for (int off = 0; off < data.length; ) {
            int len = Math.min(data.length - off, 1 + r.nextInt(20_000));
            pieces.add(new int[]{off, len});
            off += len;
        }
        List<int[]> delivery = new ArrayList<>(pieces);
        delivery.addAll(pieces.subList(0, pieces.size() / 2)); // duplicates, as redundant mode produces
        Collections.shuffle(delivery, r);
        IncomingStream s = new IncomingStream(1, 1 << 20);
        for (int[] p : delivery) {
            boolean fin = p[0] + p[1] == data.length;
            s.offer(p[0], Arrays.copyOfRange(data, p[0], p[0] + p[1]), fin);
        }
        assertEquals(data.length + 1, s.received(), "all bytes and the FIN");
        assertArrayEquals(data, readAll(s));
        assertTrue(s.isFinished());
    }

    @Test
    void dataBeyondTheWindowIsAProtocolViolation() {
        IncomingStream s = new IncomingStream(1, 1000);
        assertThrows(BondProtocolException.class, () -> s.offer(900, new byte[200], false));
    }

    @Test
    void windowAdvancesAsTheApplicationReads() throws Exception {
        IncomingStream s = new IncomingStream(1, 1000);
        s.offer(0, new byte[1000], false);
        assertEquals(1000, s.limit());
        s.read(new byte[600], 0, 600);
        assertEquals(1600, s.limit());
        s.offer(1000, new byte[600], false);
        assertTrue(s.ackDue(0, true));
        long[] ack = s.markAcked();
        assertEquals(1600, ack[0]);
    }

    @Test
    void finalSizeCannotChange() throws Exception {
        IncomingStream s = new IncomingStream(1, 1 << 20);
        s.offer(0, new byte[10], true);
        assertThrows(BondProtocolException.class, () -> s.offer(0, new byte[12], true));
        assertThrows(BondProtocolException.class, () -> s.offer(10, new byte[2], false));
    }

    @Test
    void resetWakesTheReaderWithTheReason() {
        IncomingStream s = new IncomingStream(1, 1 << 20);
        s.reset(FlowError.UNREACHABLE, "no route");
        FlowResetException e = assertThrows(FlowResetException.class, () -> s.read(new byte[1], 0, 1));
        assertEquals(FlowError.UNREACHABLE, e.reason());
    }

    @Test
    void duplicateAsksForAFreshAck() throws Exception {
        IncomingStream s = new IncomingStream(1, 1 << 20);
        s.offer(0, new byte[100], false);
        s.markAcked();
        assertTrue(!s.ackDue(0, true));
        s.offer(0, new byte[100], false);
        assertTrue(s.ackDue(1 << 20, false), "a re-sent chunk means our ACK went missing");
    }

    @Test
    void discardedInputIsStillAcknowledged() throws Exception {
        IncomingStream s = new IncomingStream(1, 1000);
        s.discard();
        s.offer(0, new byte[1000], false);
        s.offer(1000, new byte[1000], true);
        assertEquals(2001, s.received());
        assertTrue(s.isFinished());
    }
}
