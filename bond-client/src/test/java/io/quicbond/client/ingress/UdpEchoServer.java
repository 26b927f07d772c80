package io.quicbond.client.ingress;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/** A fixture UDP server on loopback that answers each datagram with {@code prefix + payload}. */
public final class UdpEchoServer implements AutoCloseable {
    private final DatagramSocket socket;
    private final byte[] prefix;

    public UdpEchoServer(String prefix) throws IOException {
        this.prefix = prefix.getBytes(StandardCharsets.UTF_8);
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        Thread.ofVirtual().start(this::loop);
    }

    public int port() {
        return socket.getLocalPort();
    }

    private void loop() {
        byte[] buffer = new byte[65535];
        var packet = new DatagramPacket(buffer, buffer.length);
        while (true) {
            packet.setLength(buffer.length);
            try {
                socket.receive(packet);
                byte[] reply = new byte[prefix.length + packet.getLength()];
                System.arraycopy(prefix, 0, reply, 0, prefix.length);
                System.arraycopy(buffer, 0, reply, prefix.length, packet.getLength());
                socket.send(new DatagramPacket(reply, reply.length, packet.getSocketAddress()));
            } catch (IOException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        socket.close();
    }
}
