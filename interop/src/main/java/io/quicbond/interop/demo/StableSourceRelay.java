package io.quicbond.interop.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;

/**
 * A UDP relay that gives every datagram it passes on one fixed source address, whatever the client's address,
 * and sends the answers to wherever the client last sent from: what a home router's NAT does for a modem.
 *
 * <p>The demo puts one in front of each {@link io.quicbond.interop.emulator.LinkEmulator}, which accepts only the
 * first client address it sees: an uplink that the bond client reconnects after an outage comes from a new
 * source port, and the emulator alone would ignore it. Two platform threads; thread-safe.
 */
final class StableSourceRelay implements AutoCloseable {
    private static final int SOCKET_BUFFER = 4 << 20;

    private final DatagramChannel front;
    private final DatagramChannel back;
    private volatile SocketAddress client;
    private volatile boolean closed;

    StableSourceRelay(InetSocketAddress listen, InetSocketAddress target) throws IOException {
        front = open();
        back = open();
        front.bind(listen);
        back.bind(new InetSocketAddress(listen.getAddress(), 0));
        back.connect(target);
        Thread.ofPlatform().daemon().name("nat-" + address().getPort() + "-out").start(this::outbound);
        Thread.ofPlatform().daemon().name("nat-" + address().getPort() + "-in").start(this::inbound);
    }

    InetSocketAddress address() {
        try {
            return (InetSocketAddress) front.getLocalAddress();
        } catch (IOException e) {
            throw new IllegalStateException("relay socket closed", e);
        }
    }

    private static DatagramChannel open() throws IOException {
        DatagramChannel c = DatagramChannel.open();
        c.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER);
        c.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER);
        return c;
    }

    private void outbound() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65_535);
        while (!closed) {
            try {
                buf.clear();
                SocketAddress from = front.receive(buf);
                client = from;
                buf.flip();
                back.write(buf);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // ICMP errors and the like: the datagram is lost, as on a real link
            }
        }
    }

    private void inbound() {
        ByteBuffer buf = ByteBuffer.allocateDirect(65_535);
        while (!closed) {
            try {
                buf.clear();
                back.receive(buf);
                SocketAddress to = client;
                if (to != null) {
                    buf.flip();
                    front.send(buf, to);
                }
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                // as above
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            front.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            back.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
