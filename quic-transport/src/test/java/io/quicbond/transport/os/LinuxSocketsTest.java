package io.quicbond.transport.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class LinuxSocketsTest {
    @BeforeAll
    static void nativeCallsWorkHere() {
        assertEquals("", LinuxSockets.unavailableReason().orElse(""),
                "the test JVM gets --enable-native-access and --add-opens from the POM");
    }

    @Test
    void readsTheKernelsViewOfAJdkSocket() throws IOException {
        try (DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET);
             SocketChannel tcp = SocketChannel.open(StandardProtocolFamily.INET6)) {
            assertEquals(LinuxSockets.AF_INET, LinuxSockets.getInt(udp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_DOMAIN));
            assertEquals(17, LinuxSockets.getInt(udp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_PROTOCOL));
            assertEquals(LinuxSockets.AF_INET6, LinuxSockets.getInt(tcp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_DOMAIN));
            assertEquals(LinuxSockets.IPPROTO_TCP, LinuxSockets.getInt(tcp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_PROTOCOL));
            assertFalse(Mptcp.isMptcp(tcp));
        }
    }

    @Test
    void setsAnOptionTheJdkCannot() throws IOException {
        try (DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET)) {
            LinuxSockets.setInt(udp, LinuxSockets.SOL_IP, LinuxSockets.IP_RECVORIGDSTADDR, 1);
            assertEquals(1, LinuxSockets.getInt(udp, LinuxSockets.SOL_IP, LinuxSockets.IP_RECVORIGDSTADDR));
            LinuxSockets.setInt(udp, LinuxSockets.SOL_IP, LinuxSockets.IP_RECVORIGDSTADDR, 0);
            assertEquals(0, LinuxSockets.getInt(udp, LinuxSockets.SOL_IP, LinuxSockets.IP_RECVORIGDSTADDR));
        }
    }

    @Test
    void bindsToADeviceByName() throws IOException {
        assumeTrue(isRoot(), "SO_BINDTODEVICE needs CAP_NET_RAW; not root");
        try (DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET)) {
            LinuxSockets.setBytes(udp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_BINDTODEVICE,
                    "lo".getBytes(StandardCharsets.US_ASCII));
            byte[] device = LinuxSockets.getBytes(udp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_BINDTODEVICE, 16);
            assertEquals("lo", new String(device, StandardCharsets.US_ASCII).replace("\0", ""));
        }
    }

    @Test
    void aRefusedCallSaysWhatTheKernelSaid() throws IOException {
        try (DatagramChannel udp = DatagramChannel.open(StandardProtocolFamily.INET)) {
            NativeSocketException e = assertThrows(NativeSocketException.class,
                    () -> LinuxSockets.getInt(udp, LinuxSockets.SOL_SOCKET, 0x7777));
            assertEquals(NativeSocketException.ENOPROTOOPT, e.errno());
            assertTrue(e.getMessage().contains("errno 92"), e.getMessage());
        }
    }

    @Test
    void mptcpChannelsCarryBytesAndAreMptcpInTheKernel() throws IOException {
        assumeTrue(Mptcp.unavailableReason().isEmpty(), () -> "no MPTCP here: " + Mptcp.unavailableReason().get());
        try (ServerSocketChannel server = Mptcp.openServer()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            assertTrue(Mptcp.isMptcp(server));
            try (SocketChannel client = Mptcp.open(StandardProtocolFamily.INET)) {
                assertTrue(Mptcp.isMptcp(client));
                client.connect(server.getLocalAddress());
                try (SocketChannel accepted = server.accept()) {
                    assertTrue(Mptcp.isMptcp(accepted), "accepted from an MPTCP listener");
                    byte[] hello = "over mptcp".getBytes(StandardCharsets.US_ASCII);
                    client.write(ByteBuffer.wrap(hello));
                    ByteBuffer got = ByteBuffer.allocate(hello.length);
                    while (got.hasRemaining() && accepted.read(got) >= 0) {
                        // read until the whole greeting arrived
                    }
                    assertArrayEquals(hello, got.array());
                }
            }
        }
    }

    @Test
    void aDualStackMptcpListenerAcceptsIpv4() throws IOException {
        assumeTrue(Mptcp.unavailableReason().isEmpty(), () -> "no MPTCP here: " + Mptcp.unavailableReason().get());
        try (ServerSocketChannel server = Mptcp.openServer()) {
            server.bind(new InetSocketAddress(0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            try (SocketChannel client = Mptcp.open(StandardProtocolFamily.INET)) {
                client.connect(new InetSocketAddress("127.0.0.1", port));
                try (SocketChannel accepted = server.accept()) {
                    assertTrue(Mptcp.isMptcp(accepted));
                }
            }
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
