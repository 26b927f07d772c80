package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Large transfers over real kwik on loopback: long enough to meet kwik's stream-stall race (KWIK.md defect 1),
 * which the nudging workaround must make harmless.
 */
class BondLargeTransferIT {

    /** Streams {@code size} pseudo-random bytes from a seed, hashing them on the way. */
    private static byte[] writeStream(OutputStream out, long size, long seed) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Random r = new Random(seed);
        byte[] buf = new byte[64 * 1024];
        for (long left = size; left > 0; ) {
            r.nextBytes(buf);
            int n = (int) Math.min(buf.length, left);
            md.update(buf, 0, n);
            out.write(buf, 0, n);
            left -= n;
        }
        return md.digest();
    }

    private static byte[] hashStream(InputStream in, long[] count) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[64 * 1024];
        int n;
        while ((n = in.read(buf)) >= 0) {
            md.update(buf, 0, n);
            count[0] += n;
        }
        return md.digest();
    }

    @Test
    @Timeout(600)
    void oneGibibyteUploadNeverStalls() throws Exception {
        long size = 1L << 30;
        try (LoopbackBond bond = new LoopbackBond(3, BondSettings.defaults());
             ServerSocket sink = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            long[] count = new long[1];
            CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
                try (Socket s = sink.accept()) {
                    return hashStream(s.getInputStream(), count);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, LoopbackBond.THREADS);
            TcpFlow flow = bond.client.openTcp(new Destination("127.0.0.1", sink.getLocalPort()));
            long start = System.nanoTime();
            byte[] sent;
            try (OutputStream out = flow.output()) {
                sent = writeStream(out, size, 42);
            }
            assertArrayEquals(sent, received.get(300, TimeUnit.SECONDS));
            assertEquals(size, count[0]);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("1 GiB upload over 3 uplinks: %.1f s, %.0f Mbit/s%n", seconds, size * 8 / seconds / 1e6);
        }
    }

    @Test
    @Timeout(300)
    void hundredMegabytesEachWayAtOnceOverThreeUplinks() throws Exception {
        long size = 100_000_000L;
        try (LoopbackBond bond = new LoopbackBond(3, BondSettings.defaults());
             ServerSocket peer = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            long[] upCount = new long[1];
            CompletableFuture<byte[][]> far = CompletableFuture.supplyAsync(() -> {
                try (Socket s = peer.accept()) {
                    CompletableFuture<byte[]> down = CompletableFuture.supplyAsync(() -> {
                        try {
                            // Half-close only: closing the socket's stream would close the socket and cut the upload.
                            byte[] h = writeStream(s.getOutputStream(), size, 2);
                            s.shutdownOutput();
                            return h;
                        } catch (Exception e) {
                            throw new RuntimeException(e);
                        }
                    }, LoopbackBond.THREADS);
                    byte[] up = hashStream(s.getInputStream(), upCount);
                    return new byte[][]{up, down.get()};
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, LoopbackBond.THREADS);
            TcpFlow flow = bond.client.openTcp(new Destination("127.0.0.1", peer.getLocalPort()));
            long[] downCount = new long[1];
            CompletableFuture<byte[]> downHash = CompletableFuture.supplyAsync(() -> {
                try {
                    return hashStream(flow.input(), downCount);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }, LoopbackBond.THREADS);
            byte[] upSent;
            try (OutputStream out = flow.output()) {
                upSent = writeStream(out, size, 1);
            }
            byte[][] farHashes = far.get(240, TimeUnit.SECONDS);
            assertArrayEquals(upSent, farHashes[0], "upload hash");
            assertArrayEquals(farHashes[1], downHash.get(240, TimeUnit.SECONDS), "download hash");
            assertEquals(size, upCount[0]);
            assertEquals(size, downCount[0]);
        }
    }
}
