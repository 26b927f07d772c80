package io.quicbond.server.compat;

import io.quicbond.server.users.User;
import io.quicbond.transport.Destination;
import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.compat.vless.MuxFrame;
import io.quicbond.transport.compat.vless.VlessDecoder;
import io.quicbond.transport.compat.vless.VlessProtocolException;
import io.quicbond.transport.compat.vless.VlessRequest;
import io.quicbond.transport.compat.vless.VlessResponse;
import io.quicbond.transport.compat.vless.VlessUdpPackets;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One accepted VLESS connection: reads the header within the listener's deadline, authorizes the UUID, then serves
 * the command (TCP relay, UDP packets, or Mux.Cool). Runs on its own virtual thread; {@link #close()} may be called
 * from any thread.
 */
final class VlessConnection {

    private static final Logger LOG = Logger.getLogger(VlessConnection.class.getName());
    private static final int COPY_BUFFER = 32 * 1024;

    private final VlessServer server;
    private final Socket client;
    private final String peer;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile String userName;

    VlessConnection(VlessServer server, Socket client) {
        this.server = server;
        this.client = client;
        this.peer = String.valueOf(client.getRemoteSocketAddress());
    }

    String userName() {
        return userName;
    }

    void run() {
        try {
            VlessDecoder<VlessRequest> decoder = VlessRequest.decoder();
            VlessRequest request = readHeader(decoder);
            if (request == null) {
                return;
            }
            Optional<User> user = server.authorize(request.user());
            if (user.isEmpty()) {
                reject("unknown VLESS user " + request.user());
                return;
            }
            userName = user.get().name();
            if (server.openConnectionsOf(userName) > user.get().limits().maxFlowsPerSession()) {
                reject("user " + userName + " has " + user.get().limits().maxFlowsPerSession()
                        + " VLESS connections open already (max_flows_per_session)");
                return;
            }
            byte[] early = decoder.drain();
            LOG.fine(() -> server.name() + ": " + peer + " " + userName + " " + request);
            switch (request.command()) {
                case TCP -> serveTcp(request.destination(), early);
                case UDP -> serveUdp(request.destination(), early);
                case MUX -> new VlessMux(server, this, client, userName).serve(early);
            }
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.fine(() -> server.name() + ": " + peer + " " + userName + ": " + e.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, server.name() + ": " + peer + ": internal error", e);
        } finally {
            close();
        }
    }

    /** The request, or null after the connection was rejected (malformed, late). */
    private VlessRequest readHeader(VlessDecoder<VlessRequest> decoder) throws IOException {
        long deadline = System.nanoTime() + server.headerTimeout().toNanos();
        InputStream in = client.getInputStream();
        byte[] buf = new byte[VlessRequest.MAX_LENGTH];
        try {
            while (true) {
                VlessRequest request = decoder.next();
                if (request != null) {
                    client.setSoTimeout(0);
                    return request;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    reject("no complete VLESS header within " + server.headerTimeout().toMillis() + " ms");
                    return null;
                }
                client.setSoTimeout((int) Math.max(1, left));
                int n = in.read(buf);
                if (n < 0) {
                    reject("closed before a complete VLESS header (" + decoder.buffered() + " bytes)");
                    return null;
                }
                decoder.feed(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            reject("no complete VLESS header within " + server.headerTimeout().toMillis() + " ms");
            return null;
        } catch (VlessProtocolException e) {
            reject("malformed VLESS header: " + e.getMessage());
            return null;
        }
    }

    /** Closes without a word: whoever probes learns nothing. */
    private void reject(String why) {
        server.rejected.incrementAndGet();
        LOG.info(server.name() + ": closed " + peer + " without a reply: " + why);
        close();
    }

    private void serveTcp(Destination destination, byte[] early) throws IOException {
        Socket target;
        try {
            target = server.egress().connectTcp(userName, destination);
        } catch (FlowOpenException e) {
            LOG.info(server.name() + ": " + userName + " TCP " + destination + " refused: " + e.getMessage());
            return;
        }
        EgressConnector.EgressRates rates = server.egress().rates(userName);
        try (target) {
            OutputStream toClient = client.getOutputStream();
            toClient.write(VlessResponse.encode());
            toClient.flush();
            OutputStream toTarget = rates.toDestination().throttle(target.getOutputStream());
            if (early.length > 0) {
                toTarget.write(early);
                server.bytesUp.addAndGet(early.length);
            }
            InputStream fromClient = client.getInputStream();
            Thread up = Thread.ofVirtual().name("vless-up-" + destination).start(() -> {
                copy(fromClient, toTarget, client, target, true);
            });
            copy(rates.fromDestination().throttle(target.getInputStream()), client.getOutputStream(), target, client,
                    false);
            try {
                up.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Copies {@code in} (of socket {@code from}) to {@code out} (of {@code to}) until EOF, then half-closes
     * {@code to}; on an error both sockets are closed.
     */
    private void copy(InputStream in, OutputStream out, Socket from, Socket to, boolean upward) {
        byte[] buf = new byte[COPY_BUFFER];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                (upward ? server.bytesUp : server.bytesDown).addAndGet(n);
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void serveUdp(Destination destination, byte[] early) throws IOException {
        DatagramSocket socket;
        try {
            socket = server.egress().openUdp(userName, destination);
        } catch (FlowOpenException e) {
            LOG.info(server.name() + ": " + userName + " UDP " + destination + " refused: " + e.getMessage());
            return;
        }
        EgressConnector.EgressRates rates = server.egress().rates(userName);
        try (socket) {
            OutputStream toClient = client.getOutputStream();
            toClient.write(VlessResponse.encode());
            toClient.flush();
            long idleMillis = server.udpIdleTimeout().toMillis();
            AtomicLong lastActivity = new AtomicLong(System.nanoTime());
            Thread down = Thread.ofVirtual().name("vless-udp-" + destination).start(() -> {
                byte[] buf = new byte[VlessUdpPackets.MAX_PAYLOAD];
                try {
                    socket.setSoTimeout((int) Math.min(idleMillis, 1000));
                    while (!socket.isClosed()) {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        try {
                            socket.receive(p);
                        } catch (SocketTimeoutException e) {
                            if (System.nanoTime() - lastActivity.get() > idleMillis * 1_000_000) {
                                LOG.fine(() -> server.name() + ": UDP " + destination + " idle, closing");
                                close();
                                return;
                            }
                            continue;
                        }
                        lastActivity.set(System.nanoTime());
                        if (!rates.fromDestination().tryAcquire(p.getLength())) {
                            continue; // over the user's rate: policed, like any UDP
                        }
                        byte[] payload = java.util.Arrays.copyOf(p.getData(), p.getLength());
                        synchronized (toClient) {
                            toClient.write(VlessUdpPackets.encode(payload));
                        }
                        server.bytesDown.addAndGet(payload.length);
                    }
                } catch (IOException e) {
                    close();
                }
            });
            VlessDecoder<byte[]> packets = VlessUdpPackets.decoder();
            packets.feed(early);
            InputStream in = client.getInputStream();
            byte[] payload;
            while ((payload = packets.read(in)) != null) {
                lastActivity.set(System.nanoTime());
                if (!rates.toDestination().tryAcquire(payload.length)) {
                    continue; // over the user's rate: policed, like any UDP
                }
                try {
                    socket.send(new DatagramPacket(payload, payload.length));
                    server.bytesUp.addAndGet(payload.length);
                } catch (IOException e) {
                    // UDP: a refused or failed send is a lost packet, not the end of the flow.
                }
            }
            socket.close();
            try {
                down.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(client);
        }
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

}
