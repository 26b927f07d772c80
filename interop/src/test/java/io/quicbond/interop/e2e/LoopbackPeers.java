package io.quicbond.interop.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.Executors;

/**
 * The far ends the end-to-end tests talk to, on loopback: a web server with one big file, a UDP echo server, free
 * ports, and a wait for a program's port to open. Called from the test thread; the servers run on virtual threads
 * until the caller closes them.
 */
final class LoopbackPeers {
    private LoopbackPeers() {
    }

    /** A started HTTP server on a loopback port that serves {@code body} at {@code /big}; more contexts may be added. */
    static HttpServer webServing(byte[] body) throws IOException {
        HttpServer web = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        web.createContext("/big", x -> {
            x.sendResponseHeaders(200, body.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        });
        web.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        web.start();
        return web;
    }

    /** A UDP socket on a loopback port that sends every datagram back to its sender until it is closed. */
    static DatagramSocket udpEcho() throws IOException {
        DatagramSocket echo = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        echoUdp(echo);
        return echo;
    }

    /** Echoes every datagram {@code socket} receives, on a virtual thread, until it is closed. */
    static void echoUdp(DatagramSocket socket) {
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[65535];
            try {
                while (true) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    socket.receive(p);
                    socket.send(p);
                }
            } catch (IOException closed) {
                // test over
            }
        });
    }

    /**
     * Sends a random payload of each size to {@code forward} from {@code udp} and asserts it comes back intact;
     * UDP may lose a packet (an uplink can die with it queued), so like any UDP client, it tries 3 times, 3 s each.
     */
    static void assertUdpEchoes(DatagramSocket udp, InetSocketAddress forward, int... sizes) throws IOException {
        udp.setSoTimeout(3000);
        for (int size : sizes) {
            byte[] payload = new byte[size];
            new Random(size).nextBytes(payload);
            DatagramPacket back = new DatagramPacket(new byte[65535], 65535);
            boolean answered = false;
            for (int attempt = 0; attempt < 3 && !answered; attempt++) {
                udp.send(new DatagramPacket(payload, size, forward));
                try {
                    udp.receive(back);
                    answered = true;
                } catch (SocketTimeoutException e) {
                    System.out.println("no echo for a " + size + "-byte packet on attempt " + attempt);
                }
            }
            assertTrue(answered, "no echo for a " + size + "-byte packet in 3 attempts");
            assertArrayEquals(payload, Arrays.copyOf(back.getData(), back.getLength()));
        }
    }

    static byte[] sha256(byte[] data) throws NoSuchAlgorithmException {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    /** Waits up to 20 s for {@code process} to accept TCP on a loopback port; fails if it exits first. */
    static void awaitListening(Process process, int port, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (true) {
            try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                assertTrue(process.isAlive(), what + " exited with " + (process.isAlive() ? "" : process.exitValue()));
                assertTrue(System.nanoTime() < deadline, what + " did not open port " + port);
                Thread.sleep(100);
            }
        }
    }
}
