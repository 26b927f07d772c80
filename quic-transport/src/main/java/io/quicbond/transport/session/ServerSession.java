package io.quicbond.transport.session;

import io.quicbond.transport.EgressConnector;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.frame.BondProtocolException;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The server's side of one client's session: accepts flows the client opens, connects them through egress,
 * and relays both ways. Threads per TCP flow: a connector/uploader ({@code flow-N-up}) and a downloader
 * ({@code flow-N-down}); per UDP flow: a receiver ({@code flow-N-udp}). All virtual.
 */
public final class ServerSession extends BondSession {
    private static final Logger LOG = Logger.getLogger(ServerSession.class.getName());

    private final SessionAuthenticator.AuthenticatedUser user;
    private final EgressConnector egress;
    private final Runnable onEmpty;
    private volatile long emptySinceNanos = -1;
    private final java.util.concurrent.ConcurrentHashMap<Integer, DatagramSocket> udpSockets =
            new java.util.concurrent.ConcurrentHashMap<>();

    ServerSession(byte[] sessionId, BondSettings settings, SessionAuthenticator.AuthenticatedUser user,
                  EgressConnector egress, Runnable onEmpty) {
        super(sessionId, settings);
        this.user = user;
        this.egress = egress;
        this.onEmpty = onEmpty;
        startHousekeeping();
    }

    SessionAuthenticator.AuthenticatedUser user() {
        return user;
    }

    @Override
    protected String userName() {
        return user.name();
    }

    /** A new connection for an uplink name this session already has replaces the old one. */
    void join(Uplink uplink) {
        for (Uplink existing : uplinks) {
            if (existing.name().equals(uplink.name())) {
                uplinkFailed(existing, "replaced by a new connection");
            }
        }
        emptySinceNanos = -1;
        attach(uplink);
        // Resend pending results and acknowledgements: the old connection may have swallowed them.
        for (BondFlow f : flows.values()) {
            if (f.in != null) {
                f.in.requestAck();
            }
        }
    }

    @Override
    protected void onUplinkDown(Uplink uplink) {
        if (uplinks.isEmpty()) {
            emptySinceNanos = System.nanoTime();
        }
    }

    @Override
    protected boolean sendsUpstream() {
        return false;
    }

    @Override
    protected void onUplinkSettings(Uplink uplink, Frame.UplinkSettings s) {
        UplinkTuning tuning = new UplinkTuning(s.primary(), s.weightHundredths() / 100.0, s.upBitsPerSecond(),
                s.downBitsPerSecond());
        if (!tuning.equals(uplink.tuning())) {
            uplink.applyTuning(tuning);
            event("uplink " + uplink.name() + " settings: " + describe(tuning));
            wakeWriters();
        }
    }

    @Override
    protected void onUplinkGone(int uplinkId) {
        for (Uplink u : uplinks) {
            if (u.id() == uplinkId) {
                uplinkFailed(u, "client reports it down");
            }
        }
    }

    @Override
    protected void onOpenResult(Uplink uplink, Frame.OpenResult result) throws BondProtocolException {
        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "OPEN_RESULT from a client");
    }

    @Override
    protected void onOpen(Uplink uplink, Frame.Open open) {
        if (flows.containsKey(open.flowId()) || endedFlows.containsKey(open.flowId())) {
            return; // a copy: OPEN travels on every uplink
        }
        if (flows.size() >= Math.min(user.maxFlowsPerSession(), settings.maxFlowsPerSession())) {
            endedFlows.put(open.flowId(), System.nanoTime());
            sendOnAll(new Frame.OpenResult(open.flowId(), FlowError.LIMIT, 0,
                    "too many flows in this session (" + flows.size() + ")"));
            return;
        }
        BondFlow flow = new BondFlow(open.flowId(), open.protocol(), open.destination(), open.policy(), settings.flowWindow());
        if (flows.putIfAbsent(flow.id, flow) != null) {
            return;
        }
        if (flow.isTcp()) {
            Thread.ofVirtual().name("flow-" + flow.id + "-up").start(() -> runTcp(flow, open.window()));
        } else {
            Thread.ofVirtual().name("flow-" + flow.id + "-udp").start(() -> runUdp(flow));
        }
    }

    private void runTcp(BondFlow flow, long peerWindow) {
        Socket socket;
        try {
            socket = egress.connectTcp(user.name(), flow.destination);
        } catch (FlowOpenException e) {
            refuse(flow, e.error(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            refuse(flow, FlowError.INTERNAL, e.toString());
            return;
        }
        flow.startSending(settings.flowSendBuffer(), peerWindow);
        Frame.OpenResult ok = new Frame.OpenResult(flow.id, null, settings.flowWindow(), "");
        flow.opened.complete(ok);
        sendOnAll(ok);
        EgressConnector.EgressRates rates = egress.rates(user.name());
        Thread.ofVirtual().name("flow-" + flow.id + "-down").start(() -> pumpToDestination(flow, socket, rates));
        pumpFromDestination(flow, socket, rates);
    }

    /** Destination → bond. */
    private void pumpFromDestination(BondFlow flow, Socket socket, EgressConnector.EgressRates rates) {
        byte[] buf = new byte[32 * 1024];
        // Not try-with-resources: closing a socket's stream closes the socket, and the other direction may still
        // be running (the destination half-closed first); pumpToDestination closes the socket when both are done.
        try {
            InputStream in = rates.fromDestination().throttle(socket.getInputStream());
            int n;
            while ((n = in.read(buf)) >= 0) {
                flow.out.write(buf, 0, n);
                wakeWriters();
            }
            flow.out.close();
            wakeWriters();
        } catch (IOException e) {
            if (!flow.ended.get()) {
                endFlow(flow, FlowError.RESET, "destination: " + e.getMessage(), true);
            }
            closeQuietly(socket, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bond → destination. */
    private void pumpToDestination(BondFlow flow, Socket socket, EgressConnector.EgressRates rates) {
        byte[] buf = new byte[32 * 1024];
        try {
            OutputStream out = rates.toDestination().throttle(socket.getOutputStream());
            int n;
            while ((n = flow.in.read(buf, 0, buf.length)) >= 0) {
                out.write(buf, 0, n);
            }
            socket.shutdownOutput();
            // Both halves done? Then the socket can go once the upload side has also finished.
            if (flow.out.awaitFinished(settings.sessionGrace().toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                closeQuietly(socket, false);
            }
        } catch (io.quicbond.transport.FlowResetException e) {
            closeQuietly(socket, true);
        } catch (IOException e) {
            if (!flow.ended.get()) {
                endFlow(flow, FlowError.RESET, "destination: " + e.getMessage(), true);
            }
            closeQuietly(socket, true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runUdp(BondFlow flow) {
        DatagramSocket socket;
        try {
            socket = egress.openUdp(user.name(), flow.destination);
        } catch (FlowOpenException e) {
            refuse(flow, e.error(), e.getMessage());
            return;
        } catch (RuntimeException e) {
            refuse(flow, FlowError.INTERNAL, e.toString());
            return;
        }
        udpSockets.put(flow.id, socket);
        EgressConnector.EgressRates rates = egress.rates(user.name());
        flow.udpReceiver = payload -> {
            if (!rates.toDestination().tryAcquire(payload.length)) {
                flow.udpPacketsDropped.incrementAndGet();
                return;
            }
            try {
                socket.send(new DatagramPacket(payload, payload.length));
            } catch (IOException e) {
                flow.udpPacketsDropped.incrementAndGet();
            }
        };
        Frame.OpenResult ok = new Frame.OpenResult(flow.id, null, 0, "");
        flow.opened.complete(ok);
        sendOnAll(ok);
        byte[] buf = new byte[65535];
        try {
            while (!flow.ended.get()) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                socket.receive(p);
                if (!rates.fromDestination().tryAcquire(p.getLength())) {
                    flow.udpPacketsDropped.incrementAndGet();
                    continue;
                }
                byte[] payload = java.util.Arrays.copyOf(p.getData(), p.getLength());
                sendUdp(flow, payload);
            }
        } catch (SocketException e) {
            // closed when the flow ended
        } catch (IOException e) {
            endFlow(flow, FlowError.UNREACHABLE, e.getMessage(), true);
        } finally {
            socket.close();
        }
        flow.udpReceiver = p -> { };
        udpSockets.remove(flow.id);
    }

    @Override
    protected void onFlowEnded(BondFlow f) {
        DatagramSocket s = udpSockets.remove(f.id);
        if (s != null) {
            s.close();
        }
    }

    private void refuse(BondFlow flow, FlowError error, String message) {
        LOG.fine(() -> "session " + shortId() + ": " + flow + " refused: " + message);
        flows.remove(flow.id);
        endedFlows.put(flow.id, System.nanoTime());
        flow.ended.set(true);
        sendOnAll(new Frame.OpenResult(flow.id, error, 0, message));
    }

    private static void closeQuietly(Socket socket, boolean abortive) {
        try {
            if (abortive) {
                socket.setSoLinger(true, 0);
            }
            socket.close();
        } catch (IOException e) {
            LOG.log(Level.FINEST, "close", e);
        }
    }

    @Override
    protected void slowTick(long now) {
        super.slowTick(now);
        long since = emptySinceNanos;
        if (since > 0 && now - since > settings.sessionGrace().toNanos() && uplinks.isEmpty()) {
            event("no uplink for " + settings.sessionGrace().toSeconds() + " s; ending the session");
            close();
            onEmpty.run();
        }
    }
}
