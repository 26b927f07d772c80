package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.quicbond.transport.Destination;
import io.quicbond.transport.flow.OutgoingStream;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.scheduler.Policy;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

class BondFlowTest {

    @Test
    void twoUplinksStartingTheSendSideAtOnceGetTheSameOne() throws Exception {
        // OPEN_RESULT arrives on every uplink; their readers may start the send side at the same moment. The one the
        // application writes into must be the one that stays.
        for (int round = 0; round < 2000; round++) {
            BondFlow flow = new BondFlow(1, Frame.Protocol.TCP, new Destination("127.0.0.1", 9), Policy.AGGREGATE, 1 << 20);
            CyclicBarrier start = new CyclicBarrier(2);
            OutgoingStream[] seen = new OutgoingStream[2];
            Thread[] readers = new Thread[2];
            for (int i = 0; i < 2; i++) {
                int reader = i;
                readers[i] = Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                    flow.startSending(1 << 20, 1 << 20);
                    seen[reader] = flow.out;
                });
            }
            for (Thread t : readers) {
                t.join();
            }
            assertSame(seen[0], flow.out, "round " + round + ": the first reader's send side was replaced");
            assertSame(seen[1], flow.out, "round " + round + ": the second reader's send side was replaced");
        }
    }
}
