package io.quicbond.transport.session;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.frame.BondProtocolException;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.scheduler.Policy;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client's side of the session: opens flows, probes every uplink and judges its health (the client owns
 * the links, so it decides when one is silent), and tells the server when an uplink died.
 */
final class ClientSession extends BondSession {
    private final String user;
    private final AtomicInteger nextFlowId = new AtomicInteger(1);
    private final Object uplinkChange = new Object();

    ClientSession(byte[] sessionId, BondSettings settings, String user) {
        super(sessionId, settings);
        this.user = user;
        startHousekeeping();
    }

    @Override
    protected String userName() {
        return user;
    }

    @Override
    protected void attach(Uplink uplink) {
        super.attach(uplink);
        // Flows still waiting for their OPEN_RESULT get their OPEN again on the new uplink.
        for (BondFlow f : flows.values()) {
            if (!f.opened.isDone()) {
                uplink.sendControl(openFrame(f));
            } else if (f.in != null) {
                f.in.requestAck();
            }
        }
        synchronized (uplinkChange) {
            uplinkChange.notifyAll();
        }
    }

    @Override
    protected void onUplinkDown(Uplink uplink) {
        // The server may not notice for a while (it hears nothing on a dead link either): tell it on the others.
        for (Uplink u : uplinks) {
            u.sendControl(new Frame.UplinkGone(uplink.id()));
        }
        synchronized (uplinkChange) {
            uplinkChange.notifyAll();
        }
    }

    /** Waits up to {@code millis} for the uplink to go down (or the session to close); returns whether it did. */
    boolean awaitDown(Uplink uplink, long millis) throws InterruptedException {
        synchronized (uplinkChange) {
            if (!uplink.isDown() && !closed) {
                uplinkChange.wait(millis);
            }
            return uplink.isDown() || closed;
        }
    }

    @Override
    protected void onOpen(Uplink uplink, Frame.Open open) throws BondProtocolException {
        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "OPEN from the server");
    }

    @Override
    protected boolean sendsUpstream() {
        return true;
    }

    @Override
    protected void onUplinkGone(int uplinkId) throws BondProtocolException {
        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "UPLINK_GONE from the server");
    }

    @Override
    protected void onOpenResult(Uplink uplink, Frame.OpenResult result) {
        BondFlow f = flows.get(result.flowId());
        if (f == null || f.opened.isDone()) {
            return; // a copy (results travel on every uplink) or a flow given up on
        }
        if (result.error() == null) {
            f.startSending(settings.flowSendBuffer(), result.window());
        }
        f.opened.complete(result);
        wakeWriters();
    }

    BondFlow open(Frame.Protocol protocol, Destination destination, Policy policy) throws FlowOpenException {
        if (closed) {
            throw new FlowOpenException(FlowError.BOND_LOST, "the bond client is closed");
        }
        BondFlow f = new BondFlow(nextFlowId.getAndIncrement(), protocol, destination, policy, settings.flowWindow());
        flows.put(f.id, f);
        sendOnAll(openFrame(f));
        long timeoutNanos = settings.openTimeout().toNanos();
        try {
            Frame.OpenResult result = f.opened.get(timeoutNanos, TimeUnit.NANOSECONDS);
            if (result.error() != null) {
                flows.remove(f.id);
                throw new FlowOpenException(result.error(), result.message().isEmpty()
                        ? "refused by the server" : result.message());
            }
            return f;
        } catch (TimeoutException e) {
            String why = uplinks.isEmpty() ? "no uplink is connected" : "no answer from the server";
            endFlow(f, FlowError.TIMED_OUT, "opening took longer than " + settings.openTimeout().toSeconds() + " s", true);
            throw new FlowOpenException(FlowError.TIMED_OUT, destination + ": " + why);
        } catch (ExecutionException e) {
            flows.remove(f.id);
            if (e.getCause() instanceof FlowOpenException foe) {
                throw foe;
            }
            throw new FlowOpenException(FlowError.INTERNAL, e.getCause().toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            endFlow(f, FlowError.TIMED_OUT, "interrupted", true);
            throw new FlowOpenException(FlowError.TIMED_OUT, "interrupted while opening");
        }
    }

    private Frame.Open openFrame(BondFlow f) {
        return new Frame.Open(f.id, f.protocol, f.destination, settings.flowWindow(), f.policy);
    }

    void resetFlow(BondFlow f, FlowError reason, String message) {
        endFlow(f, reason, message, true);
    }

}
