package io.quicbond.transport.engine.quiche;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A UDP relay between one client and a server that, on demand, keeps moving its server-side socket to a new
 * port: a NAT that rebinds the client mid-connection. Answers from the server reach the client from whichever
 * socket they arrive on.
 */
final class RebindingRelay implements AutoCloseable {
    private final DatagramSocket front;
    private final InetSocketAddress target;
    private volatile DatagramSocket back;
    private volatile SocketAddress client;
    private volatile boolean closed;
    private final AtomicInteger rebinds = new AtomicInteger();

    RebindingRelay(InetSocketAddress target) throws IOException {
        this.target = target;
        front = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        front.setReceiveBufferSize(4 << 20);
        back = openBack();
        Thread.ofPlatform().daemon().start(this::upstream);
    }

    private DatagramSocket openBack() throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setReceiveBufferSize(4 << 20);
        Thread.ofPlatform().daemon().start(() -> downstream(socket));
        return socket;
    }

    InetSocketAddress address() {
        return (InetSocketAddress) front.getLocalSocketAddress();
    }

    /** From now on, a new server-side port every {@code millis}; the old socket keeps relaying late answers. */
    void rebindEvery(long millis) {
        Thread.ofPlatform().daemon().start(() -> {
            DatagramSocket previous = null;
            while (!closed) {
                try {
                    Thread.sleep(millis);
                    DatagramSocket old = back;
                    back = openBack();
                    rebinds.incrementAndGet();
                    if (previous != null) {
                        previous.close();
                    }
                    previous = old;
                } catch (IOException | InterruptedException e) {
                    return;
                }
            }
        });
    }

    int rebinds() {
        return rebinds.get();
    }

    private void upstream() {
        byte[] buf = new byte[65535];
        while (!closed) {
            try {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                front.receive(p);
                client = p.getSocketAddress();
                back.send(new DatagramPacket(p.getData(), p.getLength(), target));
            } catch (SocketException e) {
                if (front.isClosed()) {
                    return;
                }
                // The back socket was swapped while sending: the packet is lost, as a NAT would lose it.
            } catch (IOException e) {
                return;
            }
        }
    }

    private void downstream(DatagramSocket from) {
        byte[] buf = new byte[65535];
        try {
            while (true) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                from.receive(p);
                SocketAddress to = client;
                if (to != null) {
                    front.send(new DatagramPacket(p.getData(), p.getLength(), to));
                }
            }
        } catch (IOException closedSocket) {
            // rebound or closed
        }
    }

    @Override
    public void close() {
        closed = true;
        front.close();
        back.close();
    }
}
