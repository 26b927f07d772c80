package io.quicbond.transport.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class UdpDeduplicatorTest {

    @Test
    void eachSequenceIsDeliveredOnceEvenWhenCopiesArriveReordered() {
        UdpDeduplicator d = new UdpDeduplicator();
        Random r = new Random(1);
        int delivered = 0;
        java.util.List<Integer> order = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            order.add(i);
        }
        for (int base = 0; base < 100_000; base += 10) {
            for (int copy = 0; copy < 3; copy++) {
                java.util.Collections.shuffle(order, r); // each uplink's copies arrive in their own order
                for (int i : order) {
                    if (d.accept(base + i)) {
                        delivered++;
                    }
                }
            }
        }
        assertEquals(100_000, delivered);
    }

    @Test
    void sequenceNumbersWrapAround() {
        UdpDeduplicator d = new UdpDeduplicator();
        assertTrue(d.accept(0xfffffffeL));
        assertTrue(d.accept(0xffffffffL));
        assertTrue(d.accept(0));
        assertFalse(d.accept(0xffffffffL));
        assertTrue(d.accept(1));
    }

    @Test
    void packetsOlderThanTheWindowAreDropped() {
        UdpDeduplicator d = new UdpDeduplicator();
        assertTrue(d.accept(10_000));
        assertFalse(d.accept(10_000 - UdpDeduplicator.WINDOW));
        assertTrue(d.accept(10_000 - UdpDeduplicator.WINDOW + 1));
    }
}
