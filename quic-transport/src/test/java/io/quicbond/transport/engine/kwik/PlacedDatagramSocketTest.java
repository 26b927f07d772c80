package io.quicbond.transport.engine.kwik;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quicbond.transport.os.LinuxSockets;
import io.quicbond.transport.os.SocketPlacement;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import org.junit.jupiter.api.Test;

/** kwik's client socket with a mark: the kernel has the mark, and the socket still sends, receives and closes. */
class PlacedDatagramSocketTest {

    @Test
    void aPlacedSocketCarriesItsMarkAndStillSendsAndReceives() throws Exception {
        assumeTrue(LinuxSockets.unavailableReason().isEmpty(), () -> LinuxSockets.unavailableReason().orElse(""));
        assumeTrue("root".equals(System.getProperty("user.name")), "SO_MARK needs CAP_NET_ADMIN (root)");
        InetAddress loopback = InetAddress.getLoopbackAddress();
        try (ResilientDatagramSocket socket = ResilientDatagramSocket.client(new InetSocketAddress(loopback, 0),
                new SocketPlacement(0x5151, "lo"));
             DatagramSocket peer = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
            assertEquals(0x5151, SocketPlacement.markOf(socket.placedChannel()));
            assertTrue(socket.getLocalPort() > 0);
            assertEquals(loopback, socket.getLocalAddress());
            assertTrue(socket.getReceiveBufferSize() > 0);

            byte[] hello = {1, 2, 3};
            socket.send(new DatagramPacket(hello, hello.length, peer.getLocalSocketAddress()));
            DatagramPacket in = new DatagramPacket(new byte[16], 16);
            peer.setSoTimeout(5000);
            peer.receive(in);
            assertEquals(socket.getLocalSocketAddress(), in.getSocketAddress());
            peer.send(new DatagramPacket(new byte[]{9, 8}, 2, in.getSocketAddress()));
            DatagramPacket back = new DatagramPacket(new byte[16], 16);
            socket.setSoTimeout(5000);
            socket.receive(back);
            assertArrayEquals(new byte[]{9, 8}, java.util.Arrays.copyOf(back.getData(), back.getLength()));

            socket.close();
            assertTrue(socket.isClosed());
            assertThrows(SocketException.class, () -> socket.receive(new DatagramPacket(new byte[4], 4)));
        }
    }

    @Test
    void anUnplacedSocketIsAnOrdinaryOne() throws Exception {
        try (ResilientDatagramSocket socket = ResilientDatagramSocket.client(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), SocketPlacement.NONE)) {
            assertEquals(null, socket.placedChannel());
            assertTrue(socket.getLocalPort() > 0);
        }
    }

    @Test
    void aMarkOutOfRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SocketPlacement(-1, null));
        assertThrows(IllegalArgumentException.class, () -> new SocketPlacement(0x1_0000_0000L, null));
    }
}
