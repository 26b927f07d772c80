package io.quicbond.client.ingress.socks5;

import io.quicbond.client.ingress.socks5.Socks5Message.UdpPacket;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.UdpFlow;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One UDP ASSOCIATE: a UDP socket for the client, and one {@link UdpFlow} per destination, opened at that
 * destination's first datagram and closed with the association.
 *
 * <p>Threads: one virtual thread receives from the client and sends into the flows; the transport's threads call
 * back with replies, which go straight to the client. {@link #close()} from any thread.
 */
final class Socks5UdpAssociation implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Socks5UdpAssociation.class.getName());
    /** Bounds the memory one client can pin; datagrams to further destinations are dropped. */
    static final int MAX_FLOWS = 1024;

    private final DatagramSocket socket;
    private final InetAddress clientAddress;
    private final FlowTransport transport;
    private final Map<Destination, UdpFlow> flows = new ConcurrentHashMap<>();
    private volatile int clientPort;
    private volatile boolean closed;

    Socks5UdpAssociation(DatagramSocket socket, InetAddress clientAddress, FlowTransport transport) {
        this.socket = socket;
        this.clientAddress = clientAddress;
        this.transport = transport;
    }

    void start() {
        Thread.ofVirtual().name("socks5-udp").start(this::receiveLoop);
    }

    private void receiveLoop() {
        byte[] buffer = new byte[65535];
        var packet = new DatagramPacket(buffer, buffer.length);
        while (!closed) {
            packet.setLength(buffer.length);
            try {
                socket.receive(packet);
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.DEBUG, "UDP association ended: " + e);
                }
                close();
                return;
            }
            if (!fromClient(packet)) {
                continue;
            }
            UdpPacket datagram;
            try {
                datagram = Socks5Decoder.decodeUdpPacket(buffer, packet.getOffset(), packet.getLength());
            } catch (Socks5Exception e) {
                LOG.log(System.Logger.Level.DEBUG, () -> "dropped datagram: " + e.getMessage());
                continue;
            }
            UdpFlow flow = flowTo(datagram.destination());
            if (flow != null) {
                flow.send(datagram.payload());
            }
        }
    }

    /** Only the client may use the association; anyone else's datagram is dropped unseen. */
    private boolean fromClient(DatagramPacket packet) {
        if (!clientAddress.equals(packet.getAddress())) {
            return false;
        }
        if (clientPort == 0) {
            clientPort = packet.getPort();
        }
        return clientPort == packet.getPort();
    }

    private UdpFlow flowTo(Destination destination) {
        UdpFlow flow = flows.get(destination);
        if (flow != null) {
            return flow;
        }
        if (flows.size() >= MAX_FLOWS) {
            LOG.log(System.Logger.Level.DEBUG, () -> "too many UDP destinations, dropped datagram to " + destination);
            return null;
        }
        try {
            flow = transport.openUdp(destination, payload -> reply(destination, payload));
        } catch (FlowOpenException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "UDP flow to " + destination + " failed: " + e.getMessage());
            return null;
        }
        flows.put(destination, flow);
        if (closed) {
            flow.close(); // close() may have run while this flow was opening
            return null;
        }
        return flow;
    }

    /** RFC 1928 §7: replies carry the same header, with the destination as their source. */
    private void reply(Destination source, byte[] payload) {
        try {
            byte[] datagram = new UdpPacket(source, payload).encode();
            socket.send(new DatagramPacket(datagram, datagram.length, clientAddress, clientPort));
        } catch (IOException | RuntimeException e) { // runs on a transport thread: nothing may escape
            LOG.log(System.Logger.Level.DEBUG, () -> "reply from " + source + " to client dropped: " + e);
        }
    }

    @Override
    public void close() {
        closed = true;
        socket.close();
        flows.values().forEach(UdpFlow::close);
    }
}
