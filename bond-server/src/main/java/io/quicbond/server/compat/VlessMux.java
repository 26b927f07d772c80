package io.quicbond.server.compat;

import io.quicbond.transport.Destination;
import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.compat.vless.MuxFrame;
import io.quicbond.transport.compat.vless.VlessDecoder;
import io.quicbond.transport.compat.vless.VlessResponse;
import io.quicbond.transport.compat.vless.VlessUdpPackets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Mux.Cool over one VLESS connection (command 3): sub-sessions to TCP destinations, and UDP sessions (plain Mux.Cool
 * UDP and xray's XUDP, whose Keep frames name each packet's destination). The connection's thread reads frames; each
 * sub-session has its own virtual threads; frames to the client are written under a lock, one whole frame at a time.
 */
final class VlessMux {

    private static final Logger LOG = Logger.getLogger(VlessMux.class.getName());
    /** Payload per Keep frame toward the client (xray writes 8 KiB; anything up to 65535 is valid). */
    private static final int FRAME_PAYLOAD = 16 * 1024;
    /** Client→destination chunks queued per TCP sub-session before the reader waits (backpressure). */
    private static final int QUEUED_CHUNKS = 64;
    /** UDP destinations one XUDP session may talk to at once. */
    private static final int MAX_UDP_DESTINATIONS = 256;
    private static final byte[] END_OF_STREAM = new byte[0];

    private final VlessServer server;
    private final VlessConnection connection;
    private final Socket client;
    private final String user;
    /** The user's limits, shared with all their other flows. */
    private final EgressConnector.EgressRates rates;
    private final Map<Integer, SubSession> sessions = new ConcurrentHashMap<>();
    private OutputStream out;

    VlessMux(VlessServer server, VlessConnection connection, Socket client, String user) {
        this.server = server;
        this.connection = connection;
        this.client = client;
        this.user = user;
        this.rates = server.egress().rates(user);
    }

    void serve(byte[] early) throws IOException {
        out = client.getOutputStream();
        out.write(VlessResponse.encode());
        out.flush();
        VlessDecoder<MuxFrame> decoder = MuxFrame.decoder();
        decoder.feed(early);
        InputStream in = client.getInputStream();
        try {
            MuxFrame frame;
            while ((frame = decoder.read(in)) != null) {
                onFrame(frame);
            }
        } finally {
            sessions.values().forEach(SubSession::close);
            sessions.clear();
        }
    }

    private void onFrame(MuxFrame frame) throws IOException {
        int id = frame.sessionId();
        switch (frame.status()) {
            case NEW -> {
                SubSession old = sessions.remove(id);
                if (old != null) {
                    old.close();
                }
                if (sessions.size() >= 1024) {
                    send(MuxFrame.end(id, true));
                    return;
                }
                SubSession s = frame.network() == MuxFrame.Network.TCP
                        ? new TcpSubSession(id, frame.target()) : new UdpSubSession(id, frame.target());
                sessions.put(id, s);
                s.start();
                if (frame.data() != null) {
                    s.fromClient(frame);
                }
            }
            case KEEP -> {
                SubSession s = sessions.get(id);
                if (s == null) {
                    if (frame.data() != null) {
                        send(MuxFrame.end(id, false)); // as xray does: the client learns the session is gone
                    }
                } else if (frame.data() != null) {
                    s.fromClient(frame);
                }
            }
            case END -> {
                SubSession s = sessions.get(id);
                if (s != null) {
                    s.clientEnded();
                }
            }
            case KEEP_ALIVE -> {
                // nothing: it only keeps the connection busy
            }
        }
    }

    private void send(MuxFrame frame) throws IOException {
        byte[] bytes = frame.encode();
        synchronized (this) {
            out.write(bytes);
        }
    }

    private void sendQuietly(MuxFrame frame) {
        try {
            send(frame);
        } catch (IOException e) {
            connection.close();
        }
    }

    private abstract class SubSession {
        final int id;
        final Destination target;
        final AtomicBoolean ended = new AtomicBoolean();

        SubSession(int id, Destination target) {
            this.id = id;
            this.target = target;
        }

        abstract void start();

        abstract void fromClient(MuxFrame frame) throws IOException;

        abstract void clientEnded();

        /** Ends the session toward the client (an End frame) once, and forgets it. */
        void finish(boolean error) {
            if (ended.compareAndSet(false, true)) {
                sessions.remove(id, this);
                sendQuietly(MuxFrame.end(id, error));
                close();
            }
        }

        abstract void close();
    }

    private final class TcpSubSession extends SubSession {
        private final LinkedBlockingQueue<byte[]> toTarget = new LinkedBlockingQueue<>(QUEUED_CHUNKS);
        private volatile Socket socket;

        TcpSubSession(int id, Destination target) {
            super(id, target);
        }

        @Override
        void start() {
            Thread.ofVirtual().name("vless-mux-" + id + "-up").start(this::connectAndWrite);
        }

        private void connectAndWrite() {
            try {
                socket = server.egress().connectTcp(user, target);
            } catch (FlowOpenException e) {
                LOG.info(server.name() + ": " + user + " mux TCP " + target + " refused: " + e.getMessage());
                finish(true);
                return;
            }
            if (ended.get()) {
                VlessConnection.closeQuietly(socket);
                return;
            }
            Thread.ofVirtual().name("vless-mux-" + id + "-down").start(this::readTarget);
            try {
                OutputStream o = rates.toDestination().throttle(socket.getOutputStream());
                while (true) {
                    byte[] chunk = toTarget.take();
                    if (chunk == END_OF_STREAM) {
                        socket.shutdownOutput();
                        return;
                    }
                    o.write(chunk);
                    server.bytesUp.addAndGet(chunk.length);
                }
            } catch (IOException e) {
                finish(true);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void readTarget() {
            byte[] buf = new byte[FRAME_PAYLOAD];
            try {
                InputStream i = rates.fromDestination().throttle(socket.getInputStream());
                int n;
                while ((n = i.read(buf)) >= 0) {
                    send(MuxFrame.keep(id, Arrays.copyOf(buf, n)));
                    server.bytesDown.addAndGet(n);
                }
                finish(false);
            } catch (IOException e) {
                finish(!ended.get());
            }
        }

        @Override
        void fromClient(MuxFrame frame) throws IOException {
            try {
                toTarget.put(frame.data());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }

        @Override
        void clientEnded() {
            toTarget.offer(END_OF_STREAM);
            if (socket == null) {
                // not connected yet: the writer sends the FIN when it reaches the marker
                return;
            }
        }

        @Override
        void close() {
            ended.set(true);
            toTarget.clear();
            toTarget.offer(END_OF_STREAM);
            Socket s = socket;
            if (s != null) {
                VlessConnection.closeQuietly(s);
            }
        }
    }

    private final class UdpSubSession extends SubSession {
        private final Map<Destination, DatagramSocket> sockets = new ConcurrentHashMap<>();
        private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());

        UdpSubSession(int id, Destination target) {
            super(id, target);
        }

        @Override
        void start() {
        }

        @Override
        void fromClient(MuxFrame frame) {
            Destination to = frame.target() != null ? frame.target() : target;
            DatagramSocket socket = sockets.get(to);
            if (socket == null) {
                if (sockets.size() >= MAX_UDP_DESTINATIONS) {
                    return;
                }
                try {
                    socket = server.egress().openUdp(user, to);
                } catch (FlowOpenException e) {
                    LOG.fine(() -> server.name() + ": " + user + " mux UDP " + to + " refused: " + e.getMessage());
                    return;
                }
                sockets.put(to, socket);
                DatagramSocket s = socket;
                Thread.ofVirtual().name("vless-mux-" + id + "-udp").start(() -> receive(to, s));
            }
            lastActivity.set(System.nanoTime());
            byte[] payload = frame.data();
            if (!rates.toDestination().tryAcquire(payload.length)) {
                return; // over the user's rate: policed, like any UDP
            }
            try {
                socket.send(new DatagramPacket(payload, payload.length));
                server.bytesUp.addAndGet(payload.length);
            } catch (IOException e) {
                // a lost packet
            }
        }

        private void receive(Destination from, DatagramSocket socket) {
            byte[] buf = new byte[VlessUdpPackets.MAX_PAYLOAD];
            long idleNanos = server.udpIdleTimeout().toNanos();
            try {
                socket.setSoTimeout((int) Math.min(server.udpIdleTimeout().toMillis(), 1000));
                while (!ended.get()) {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    try {
                        socket.receive(p);
                    } catch (SocketTimeoutException e) {
                        if (System.nanoTime() - lastActivity.get() > idleNanos) {
                            finish(false);
                            return;
                        }
                        continue;
                    }
                    lastActivity.set(System.nanoTime());
                    if (!rates.fromDestination().tryAcquire(p.getLength())) {
                        continue; // over the user's rate: policed, like any UDP
                    }
                    send(MuxFrame.udpPacket(id, from, Arrays.copyOf(p.getData(), p.getLength())));
                    server.bytesDown.addAndGet(p.getLength());
                }
            } catch (IOException e) {
                if (!ended.get()) {
                    finish(false);
                }
            }
        }

        @Override
        void clientEnded() {
            finish(false);
        }

        @Override
        void close() {
            ended.set(true);
            sockets.values().forEach(DatagramSocket::close);
        }
    }
}
