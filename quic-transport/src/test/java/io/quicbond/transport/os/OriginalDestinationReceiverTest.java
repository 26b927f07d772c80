package io.quicbond.transport.os;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class OriginalDestinationReceiverTest {

    /** A cmsghdr (LP64) with its data, padded to 8 as CMSG_SPACE does. */
    static byte[] cmsg(int level, int type, byte[] data) {
        int len = 16 + data.length;
        ByteBuffer b = ByteBuffer.allocate((len + 7) & ~7).order(ByteOrder.nativeOrder());
        b.putLong(len).putInt(level).putInt(type).put(data);
        return b.array();
    }

    static byte[] sockaddrIn(byte[] ip, int port) {
        ByteBuffer b = ByteBuffer.allocate(16);
        b.order(ByteOrder.nativeOrder()).putShort((short) 2);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).put(ip);
        return b.array();
    }

    static byte[] sockaddrIn6(byte[] ip, int port, int scope) {
        ByteBuffer b = ByteBuffer.allocate(28);
        b.order(ByteOrder.nativeOrder()).putShort((short) 10);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) port).putInt(0).put(ip);
        b.order(ByteOrder.nativeOrder()).putInt(scope);
        return b.array();
    }

    static byte[] concat(byte[]... parts) {
        ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }

    @Test
    void ipv4OriginalDestinationIsFoundAfterAnotherMessage() throws Exception {
        byte[] control = concat(cmsg(0, 8, new byte[12]), cmsg(0, 20, sockaddrIn(new byte[]{(byte) 198, 51, 100, 7}, 443)));
        assertEquals(new InetSocketAddress(InetAddress.getByName("198.51.100.7"), 443),
                OriginalDestinationReceiver.parseOriginalDestination(control, control.length));
    }

    @Test
    void ipv6OriginalDestinationKeepsItsPort() throws Exception {
        byte[] ip = InetAddress.getByName("2001:db8::53").getAddress();
        byte[] control = cmsg(41, 74, sockaddrIn6(ip, 53, 0));
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::53"), 53),
                OriginalDestinationReceiver.parseOriginalDestination(control, control.length));
    }

    @Test
    void noOriginalDestinationMessageGivesNull() throws Exception {
        byte[] control = cmsg(0, 8, new byte[12]);
        assertNull(OriginalDestinationReceiver.parseOriginalDestination(control, control.length));
        assertNull(OriginalDestinationReceiver.parseOriginalDestination(new byte[0], 0));
    }

    @Test
    void lengthsThatLeaveTheBufferAreRefused() {
        byte[] control = cmsg(0, 20, sockaddrIn(new byte[]{1, 2, 3, 4}, 1));
        ByteBuffer.wrap(control).order(ByteOrder.nativeOrder()).putLong(0, 4096);
        assertThrows(ControlMessageException.class, () -> OriginalDestinationReceiver.parseOriginalDestination(control, control.length));
        ByteBuffer.wrap(control).order(ByteOrder.nativeOrder()).putLong(0, 3);
        assertThrows(ControlMessageException.class, () -> OriginalDestinationReceiver.parseOriginalDestination(control, control.length));
        assertThrows(ControlMessageException.class, () -> OriginalDestinationReceiver.parseOriginalDestination(control, control.length + 1));
    }

    @Test
    void unknownFamilyAndShortAddressesAreRefused() {
        byte[] unix = sockaddrIn(new byte[]{1, 2, 3, 4}, 1);
        ByteBuffer.wrap(unix).order(ByteOrder.nativeOrder()).putShort(0, (short) 1);
        assertThrows(ControlMessageException.class, () -> OriginalDestinationReceiver.parseSocketAddress(unix));
        assertThrows(ControlMessageException.class, () -> OriginalDestinationReceiver.parseSocketAddress(new byte[]{2, 0, 0}));
        assertThrows(ControlMessageException.class, () -> OriginalDestinationReceiver.parseSocketAddress(new byte[20]));
    }

    @Test
    @Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void mutatedControlBuffersGiveAnAddressNullOrAControlMessageException() {
        Random random = new Random(6);
        byte[][] seeds = {
                cmsg(0, 20, sockaddrIn(new byte[]{10, 0, 0, 1}, 80)),
                concat(cmsg(0, 8, new byte[12]), cmsg(41, 74, sockaddrIn6(new byte[16], 53, 3))),
        };
        for (int i = 0; i < 20_000; i++) {
            byte[] input = seeds[random.nextInt(seeds.length)].clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                switch (random.nextInt(3)) {
                    case 0 -> input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                    case 1 -> input = java.util.Arrays.copyOf(input, random.nextInt(input.length + 1));
                    default -> input = java.util.Arrays.copyOf(input, input.length + random.nextInt(24));
                }
                if (input.length == 0) {
                    break;
                }
            }
            int length = input.length == 0 ? 0 : random.nextInt(input.length + 1);
            try {
                OriginalDestinationReceiver.parseOriginalDestination(input, length);
            } catch (ControlMessageException expected) {
                // clean rejection
            }
        }
    }

    /** The real thing: a transparent socket reports the address each datagram was sent to (root only). */
    @Test
    @Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void realSocketReportsWhereEachDatagramWasSent() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (IP_TRANSPARENT needs CAP_NET_ADMIN)");
        assumeTrue(LinuxSockets.unavailableReason().isEmpty(), () -> "native sockets: " + LinuxSockets.unavailableReason().get());
        for (String host : new String[]{"127.0.0.1", "::1"}) {
            InetAddress loopback = InetAddress.getByName(host);
            try (var receiver = OriginalDestinationReceiver.bind(new InetSocketAddress(loopback, 0), Duration.ofMillis(200));
                 DatagramSocket sender = new DatagramSocket(new InetSocketAddress(loopback, 0))) {
                assertNull(receiver.receive(), "nothing sent yet: the poll interval passes");
                InetSocketAddress to = receiver.localAddress();
                byte[] payload = ("hello " + host).getBytes();
                sender.send(new DatagramPacket(payload, payload.length, to));
                OriginalDestinationReceiver.Datagram d = null;
                for (int i = 0; i < 50 && d == null; i++) {
                    d = receiver.receive();
                }
                assertNotNull(d);
                assertArrayEquals(payload, d.payload());
                assertEquals(to, d.originalDestination());
                assertEquals(sender.getLocalSocketAddress(), d.source());
            }
        }
    }
}
