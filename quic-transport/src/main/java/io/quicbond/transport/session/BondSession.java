package io.quicbond.transport.session;

import io.quicbond.transport.FlowError;
import io.quicbond.transport.flow.Chunk;
import io.quicbond.transport.flow.OutgoingStream;
import io.quicbond.transport.frame.BondProtocolException;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.scheduler.Policy;
import io.quicbond.transport.scheduler.Scheduler;
import io.quicbond.transport.scheduler.UplinkView;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * What both ends of the bond share: the uplinks of one session, its flows, and the rules that move chunks,
 * acknowledgements and resets between them. {@link ClientSession} opens flows and watches uplink health;
 * {@link ServerSession} accepts flows and hands them to egress.
 *
 * <p>Threads: each uplink's reader calls {@link #onFrame}; each uplink's writer calls {@link #nextChunk}; a
 * housekeeping thread ({@code session-…-housekeeping}) sends ACKs, probes, and ends idle or finished flows.
 * Flows and uplinks live in concurrent collections; per-flow state is guarded by the flow's own streams.
 */
public abstract class BondSession {
    private static final Logger LOG = Logger.getLogger(BondSession.class.getName());
    private static final long HOUSEKEEPING_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long CLOSED_FLOW_MEMORY_NANOS = TimeUnit.MINUTES.toNanos(2);
    /** How often each uplink tells the far end what it received on it, while it receives. */
    private static final long PATH_ACK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long PATH_ACK_SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    protected final byte[] sessionId;
    protected final BondSettings settings;
    protected final Scheduler scheduler = new Scheduler();
    protected final CopyOnWriteArrayList<Uplink> uplinks = new CopyOnWriteArrayList<>();
    protected final ConcurrentHashMap<Integer, BondFlow> flows = new ConcurrentHashMap<>();
    /** Recently ended flow ids, so that a late duplicate OPEN cannot revive a flow. */
    protected final ConcurrentHashMap<Integer, Long> endedFlows = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Uplink, Integer> lastServedFlow = new ConcurrentHashMap<>();
    protected final List<Consumer<String>> eventListeners = new CopyOnWriteArrayList<>();
    protected final AtomicLong reinjectedBytes = new AtomicLong();
    private final AtomicLong nextProbeId = new AtomicLong();
    protected volatile boolean closed;
    private Thread housekeeping;
    private Thread udpCopier;
    /**
     * A redundant UDP packet's second copy on the lowest-latency uplink goes this long after the first, so that
     * the two leave in different QUIC packets (quiche packs datagrams written together into one packet).
     */
    static final long UDP_COPY_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private final DelayQueue<DelayedUdpCopy> udpCopies = new DelayQueue<>();

    private record DelayedUdpCopy(Uplink uplink, Frame.Udp frame, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((DelayedUdpCopy) other).dueNanos);
        }
    }
    private long lastSlowTickNanos;
    private long ticks;

    protected BondSession(byte[] sessionId, BondSettings settings) {
        this.sessionId = sessionId.clone();
        this.settings = settings;
    }

    protected void startHousekeeping() {
        housekeeping = Thread.ofVirtual().name("session-" + shortId() + "-housekeeping").start(this::housekeepingLoop);
        udpCopier = Thread.ofVirtual().name("session-" + shortId() + "-udp-copies").start(this::udpCopyLoop);
    }

    public String shortId() {
        return HexFormat.of().formatHex(sessionId, 0, 4);
    }

    public String sessionIdHex() {
        return HexFormat.of().formatHex(sessionId);
    }

    /** Listens to notable events ("uplink lte down: silent 320 ms", "reinjected 14 chunks to dsl"). */
    public void addEventListener(Consumer<String> listener) {
        eventListeners.add(listener);
    }

    void event(String message) {
        LOG.info("session " + shortId() + ": " + message);
        for (Consumer<String> l : eventListeners) {
            l.accept(message);
        }
    }

    // ---- uplinks ----

    protected void attach(Uplink uplink) {
        uplink.refreshEngineFigures();
        uplinks.add(uplink);
        event("uplink " + uplink.name() + " up");
        wakeWriters();
    }

    /** Called by reader/writer threads and the engine when an uplink is gone; idempotent. */
    void uplinkFailed(Uplink uplink, String reason) {
        if (!uplink.markDown(reason, ErrorCode.NO_ERROR)) {
            return;
        }
        uplinks.remove(uplink);
        lastServedFlow.remove(uplink);
        long moved = reclaim(uplink);
        event("uplink " + uplink.name() + " down: " + reason + (moved > 0 ? "; reinjected " + moved + " bytes" : ""));
        // Every flow re-acknowledges: an ACK that went out on the dead uplink may never arrive.
        for (BondFlow f : flows.values()) {
            if (f.in != null) {
                f.in.requestAck();
            }
        }
        onUplinkDown(uplink);
        wakeWriters();
    }

    /** Takes back what {@code uplink} carried and nobody acknowledged, for re-sending on the others. */
    protected long reclaim(Uplink uplink) {
        long moved = 0;
        for (BondFlow f : flows.values()) {
            OutgoingStream out = f.out;
            if (out != null) {
                moved += out.pathFailed(uplink);
            }
        }
        reinjectedBytes.addAndGet(moved);
        return moved;
    }

    /** Hook: the client reconnects and tells the server; the server does nothing more. */
    protected abstract void onUplinkDown(Uplink uplink);

    protected void wakeWriters() {
        for (Uplink u : uplinks) {
            u.wake();
        }
    }

    protected List<Uplink> healthyUplinks() {
        List<Uplink> out = new ArrayList<>();
        for (Uplink u : uplinks) {
            if (u.healthy()) {
                out.add(u);
            }
        }
        return out;
    }

    /** Where control frames that only need to arrive quickly go: the healthy uplink with the lowest RTT. */
    protected Uplink controlUplink() {
        UplinkView best = scheduler.lowestLatency(uplinks);
        if (best != null) {
            return (Uplink) best;
        }
        return uplinks.isEmpty() ? null : uplinks.getFirst();
    }

    /** Frames whose loss would stall a flow (OPEN, OPEN_RESULT, RESET) go on every uplink; duplicates are ignored. */
    protected void sendOnAll(Frame frame) {
        for (Uplink u : uplinks) {
            u.sendControl(frame);
        }
    }

    // ---- scheduling ----

    /**
     * The next chunk {@code uplink} should send, or null. Flows are served round-robin, starting after the one
     * this uplink served last; each flow's policy decides whether this uplink may carry it.
     */
    Chunk nextChunk(Uplink uplink, int maxBytes, byte[] into, int intoOffset) {
        if (flows.isEmpty()) {
            return null;
        }
        if (!uplink.healthy() && !isBestOfSuspects(uplink)) {
            return null;
        }
        int last = lastServedFlow.getOrDefault(uplink, -1);
        // Bytes to send again go to the fastest healthy uplink while it has room: a chunk rescued from a slow or
        // lossy uplink should not go back to one like it. With the fastest full, any uplink helps.
        Uplink fastest = controlUplink();
        boolean retransmissions = fastest == null || fastest == uplink || !fastest.healthy()
                || !fastest.belowInflightLimit();
        Chunk c = nextChunk(uplink, maxBytes, last, true, retransmissions, into, intoOffset);
        if (c == null) {
            c = nextChunk(uplink, maxBytes, last, false, retransmissions, into, intoOffset);
        }
        if (c != null) {
            lastServedFlow.put(uplink, c.flowId());
        }
        return c;
    }

    private Chunk nextChunk(Uplink uplink, int maxBytes, int lastServed, boolean after, boolean retransmissions,
                            byte[] into, int intoOffset) {
        long now = System.nanoTime();
        for (BondFlow f : flows.values()) {
            if ((f.id > lastServed) != after) {
                continue;
            }
            OutgoingStream out = f.out;
            if (out == null || !f.isOpen()) {
                continue;
            }
            Chunk chunk;
            if (f.policy == Policy.REDUNDANT) {
                if (!Scheduler.inActiveTier(uplink, uplinks)) {
                    continue;
                }
                chunk = out.takeChunk(uplink, maxBytes, true, now, into, intoOffset);
            } else {
                // With every uplink suspect, the most recently heard one carries on: waiting sends nothing at all.
                boolean allowed = !uplink.healthy()
                        || scheduler.mayCarry(f.policy, uplink, uplinks, maxBytes, out.sendableBacklog());
                if (!out.hasSendable() || !allowed) {
                    continue;
                }
                chunk = out.takeChunk(uplink, maxBytes, false, retransmissions, now, into, intoOffset);
            }
            if (chunk != null) {
                return chunk;
            }
        }
        return null;
    }

    /** True when no uplink is healthy and {@code uplink} is the one heard from most recently. */
    private boolean isBestOfSuspects(Uplink uplink) {
        Uplink best = null;
        for (Uplink u : uplinks) {
            if (u.healthy()) {
                return false;
            }
            if (!u.isDown() && (best == null || u.lastHeardNanos() > best.lastHeardNanos())) {
                best = u;
            }
        }
        return best == uplink;
    }

    // ---- frames ----

    /** Handles one frame from {@code uplink}; runs on that uplink's reader (or datagram) thread. */
    void onFrame(Uplink uplink, Frame frame) throws BondProtocolException {
        switch (frame) {
            case Frame.Data d -> onData(uplink, d);
            case Frame.Ack a -> {
                BondFlow f = flows.get(a.flowId());
                OutgoingStream out = f == null ? null : f.out;
                if (out != null && out.onAck(a.received(), a.limit())) {
                    wakeWriters();
                }
            }
            case Frame.Udp u -> {
                BondFlow f = flows.get(u.flowId());
                if (f != null && !f.isTcp()) {
                    uplink.received.add(u.payload().length);
                    f.deliverUdp(u.sequence(), u.payload());
                }
            }
            case Frame.Reset r -> {
                BondFlow f = flows.get(r.flowId());
                if (f != null) {
                    endFlow(f, r.reason(), "reset by peer: " + r.message(), false);
                }
            }
            case Frame.Ping p -> {
                Frame.Pong pong = new Frame.Pong(p.id(), p.sentNanos());
                if (!uplink.sendDatagramOnly(pong)) {
                    uplink.sendControl(pong);
                }
            }
            case Frame.Pong p -> {
                // A probe that waited out an outage measures the outage, not the path: its sample would make a
                // restored link look slow for seconds. Only probes sent since the link last recovered count.
                if (!uplink.isSuspect() && p.sentNanos() >= uplink.recoveredAtNanos()) {
                    uplink.rtt.sample(System.nanoTime() - p.sentNanos());
                }
            }
            case Frame.Open o -> onOpen(uplink, o);
            case Frame.OpenResult r -> onOpenResult(uplink, r);
            case Frame.UplinkGone g -> onUplinkGone(g.uplinkId());
            case Frame.UplinkSettings u -> onUplinkSettings(uplink, u);
            case Frame.PathAck p -> {
                if (uplink.onPeerReceived(p.received())) {
                    uplink.wake();
                }
            }
            case Frame.Hello h -> throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "HELLO after login");
            case Frame.Welcome w -> throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unexpected WELCOME");
        }
    }

    private void onData(Uplink uplink, Frame.Data d) throws BondProtocolException {
        // Counted for PATH_ACK whatever becomes of it: the sender counted it as sent on this uplink.
        uplink.dataReceived.addAndGet(d.payload().length);
        BondFlow f = flows.get(d.flowId());
        if (f == null || f.in == null) {
            return; // a late copy for a flow that has ended
        }
        uplink.received.add(d.payload().length);
        f.in.offer(d.offset(), d.payload(), d.fin());
        if (f.in.ackDue(settings.flowWindow() / 4, false)) {
            sendAck(f);
        }
    }

    protected abstract void onOpen(Uplink uplink, Frame.Open open) throws BondProtocolException;

    protected abstract void onOpenResult(Uplink uplink, Frame.OpenResult result) throws BondProtocolException;

    protected abstract void onUplinkGone(int uplinkId) throws BondProtocolException;

    /** The client describes an uplink; only the server accepts it. */
    protected void onUplinkSettings(Uplink uplink, Frame.UplinkSettings settings) throws BondProtocolException {
        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unexpected UPLINK_SETTINGS");
    }

    static String describe(UplinkTuning t) {
        return (t.primary() ? "primary" : "backup") + ", weight " + t.weight()
                + (t.upBitsPerSecond() > 0 ? ", up cap " + t.upBitsPerSecond() / 1e6 + " Mbit/s" : "")
                + (t.downBitsPerSecond() > 0 ? ", down cap " + t.downBitsPerSecond() / 1e6 + " Mbit/s" : "");
    }

    static Frame.UplinkSettings settingsFrame(UplinkTuning t) {
        return new Frame.UplinkSettings(t.primary(), (int) Math.round(t.weight() * 100), t.upBitsPerSecond(),
                t.downBitsPerSecond());
    }

    /** True on the client, whose sends go up the uplinks; the server sends down. */
    protected abstract boolean sendsUpstream();

    protected void sendAck(BondFlow f) {
        Uplink u = controlUplink();
        if (u == null) {
            return;
        }
        long[] state = f.in.markAcked();
        u.sendControl(new Frame.Ack(f.id, state[0], state[1]));
    }

    // ---- UDP ----

    /**
     * Sends one UDP packet of a flow by its policy: on the best uplink, or (redundant) on every healthy uplink
     * and a second time, a millisecond later, on the lowest-latency one. The second copy is for the packets the
     * fastest link loses: without it each of those arrives at the second-fastest link's latency, and with 2 %
     * random loss on the fastest link that is the 99th percentile of a call's latency (50 ms instead of 21 ms
     * on the benchmark's links). Two independent losses in a row are rare (0.04 % at 2 %). The receiver keeps
     * the first copy by sequence number.
     */
    protected void sendUdp(BondFlow f, byte[] payload) {
        Frame.Udp frame = new Frame.Udp(f.id, f.nextUdpSequence(), payload);
        if (f.policy == Policy.REDUNDANT) {
            List<Uplink> healthy = healthyUplinks();
            healthy.removeIf(u -> !Scheduler.inActiveTier(u, uplinks));
            List<Uplink> targets = healthy.isEmpty() ? uplinks : healthy;
            Uplink fastest = null;
            for (Uplink u : targets) {
                u.sendUdp(frame);
                if (fastest == null || u.srttNanos() < fastest.srttNanos()) {
                    fastest = u;
                }
            }
            if (fastest != null) {
                udpCopies.add(new DelayedUdpCopy(fastest, frame, System.nanoTime() + UDP_COPY_DELAY_NANOS));
            }
            return;
        }
        Uplink target = udpUplink();
        if (target == null) {
            f.udpPacketsDropped.incrementAndGet();
            return;
        }
        target.sendUdp(frame);
    }

    /**
     * The uplink for one UDP packet of a non-redundant flow: the lowest-RTT healthy uplink of the active tier
     * that is within its rate cap, or the lowest-RTT one when all are at their caps.
     */
    private Uplink udpUplink() {
        long now = System.nanoTime();
        Uplink best = null;
        for (Uplink u : uplinks) {
            if (u.healthy() && Scheduler.inActiveTier(u, uplinks) && u.withinCap(now)
                    && (best == null || u.srttNanos() < best.srttNanos())) {
                best = u;
            }
        }
        return best != null ? best : controlUplink();
    }

    private void udpCopyLoop() {
        while (!closed) {
            try {
                DelayedUdpCopy copy = udpCopies.poll(1, TimeUnit.SECONDS);
                if (copy != null && !copy.uplink().isDown()) {
                    copy.uplink().sendUdp(copy.frame());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "session " + shortId() + ": sending a UDP copy failed", e);
            }
        }
    }

    // ---- flow lifecycle ----

    /**
     * Ends a flow: wakes its readers and writers with the reason and, if {@code tellPeer}, sends a RESET on
     * every uplink. Idempotent.
     */
    protected void endFlow(BondFlow f, FlowError reason, String message, boolean tellPeer) {
        if (!f.ended.compareAndSet(false, true)) {
            return;
        }
        f.terminate(reason, message);
        flows.remove(f.id);
        endedFlows.put(f.id, System.nanoTime());
        if (tellPeer) {
            sendOnAll(new Frame.Reset(f.id, reason, message));
        }
        if (reason != FlowError.CLOSED) {
            LOG.fine(() -> "session " + shortId() + ": " + f + " ended: " + reason + " " + message);
        }
        onFlowEnded(f);
        wakeWriters();
    }

    protected void onFlowEnded(BondFlow f) {
    }

    // ---- housekeeping ----

    private void housekeepingLoop() {
        while (!closed) {
            try {
                long now = System.nanoTime();
                flushAcks(now);
                if (++ticks % 4 == 0) {
                    rescueHeadOfLine(now);
                    judgeBusy(now);
                }
                if (now - lastSlowTickNanos >= settings.probeInterval().toNanos()) {
                    lastSlowTickNanos = now;
                    slowTick(now);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(HOUSEKEEPING_TICK_NANOS);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "session " + shortId() + ": housekeeping failed", e);
            }
        }
    }

    /**
     * A chunk still unacknowledged past its path's deadline (its RTT, variance and backlog, plus a margin) while
     * it holds up in-order delivery is sent again on the fastest healthy uplink.
     */
    private void rescueHeadOfLine(long now) {
        Uplink fastest = controlUplink();
        if (fastest == null) {
            return;
        }
        for (BondFlow f : flows.values()) {
            OutgoingStream out = f.out;
            if (out == null || f.policy == Policy.REDUNDANT) {
                continue;
            }
            long moved = out.reinjectLate(now, this::deadlineNanos, fastest);
            if (moved > 0) {
                reinjectedBytes.addAndGet(moved);
                fastest.wake();
            }
        }
    }

    /**
     * When the far end's flow acknowledgement should have passed a chunk sent on {@code path}: the bytes that had
     * to cross before it at the uplink's rate and half the uplink's minimum RTT (its arrival), then half the
     * lowest-RTT uplink's minimum RTT (the flow ACK comes back on that uplink, not on the chunk's), 10 ms (the
     * far end's acknowledgement spacing) and a margin of 2 RTT variances, at least 20 ms. The margin was 4
     * variances until 2026-11-26: the bytes-ahead term already counts the queue whose swings make the variance,
     * and on the slow link under load 4 variances added 100 ms or more. With 2, 11 of 12 runs of the clean, lossy
     * and failover scenarios had their longest delivery gap at 300 ms or less, against 9 of 12, at the same
     * throughput (an A/B of four runs each, docs/benchmarks.md).
     *
     * <p>Until 2026-11-26 the chunk's own uplink's whole minimum RTT stood for the way back, as if its report
     * came back there: on the benchmark's 200-ms link that waited 90 ms longer than the flow ACK takes over the
     * 20-ms one, and delivery held that much longer behind each packet the slow link lost. With the way back
     * counted over the fastest uplink, a failover's longest delivery gap was 200-300 ms instead of 200-400 (four
     * runs each), at the same throughput clean and with 1 % loss (docs/benchmarks.md). The deadline before that,
     * the uplink's whole current backlog on top of its smoothed RTT, left 300–400 ms stalls on the 100 ms link.
     * (Rescuing sooner once an uplink's count stops moving, while its QUIC stream repairs a loss, was tried: the
     * steady-state stalls halved, but the copies cost 2–5 % of throughput, since quiche repairs a loss about 1.5
     * RTT after sending, hardly later than the rescue arrives.)
     */
    private long deadlineNanos(io.quicbond.transport.flow.PathAccount path, long bytesAhead) {
        if (!(path instanceof Uplink u)) {
            return Long.MAX_VALUE;
        }
        double rate = u.deliveryRate() > 0 ? u.deliveryRate() : Scheduler.UNKNOWN_RATE;
        long ahead = bytesAhead >= 0 ? bytesAhead : u.unackedBytes();
        Uplink fastest = controlUplink();
        return rescueDeadlineNanos(ahead, rate, u.rtt.minNanos(), u.rtt.varianceNanos(),
                (fastest != null ? fastest : u).rtt.minNanos());
    }

    /** {@link #deadlineNanos} from its figures: bytes ahead, the path's rate, RTT and variance, the fastest's RTT. */
    static long rescueDeadlineNanos(long bytesAhead, double bytesPerSecond, long pathMinRttNanos,
                                    long pathRttVarianceNanos, long fastestMinRttNanos) {
        long margin = Math.max(TimeUnit.MILLISECONDS.toNanos(20), 2 * pathRttVarianceNanos);
        return (long) (bytesAhead / bytesPerSecond * 1e9) + pathMinRttNanos / 2 + fastestMinRttNanos / 2
                + TimeUnit.MILLISECONDS.toNanos(10) + margin;
    }

    private void flushAcks(long now) {
        for (BondFlow f : flows.values()) {
            if (f.in != null && f.in.ackDue(0, true)) {
                sendAck(f);
            }
        }
        for (Uplink u : uplinks) {
            long received = u.dataReceived.get();
            if (received != u.reportedReceived) {
                if (now - u.reportedAtNanos >= PATH_ACK_INTERVAL_NANOS) {
                    u.reportedReceived = received;
                    u.reportedAtNanos = now;
                    u.reportedReliably = false;
                    Frame.PathAck ack = new Frame.PathAck(received);
                    if (!u.sendDatagramOnly(ack)) {
                        u.sendControl(ack);
                        u.reportedReliably = true;
                    }
                }
            } else if (!u.reportedReliably && now - u.reportedAtNanos >= PATH_ACK_SETTLE_NANOS) {
                // Datagrams can be lost; once the count stops moving, the last one goes on the stream, so the far
                // end never keeps a stale backlog for an uplink that has gone quiet.
                u.reportedReliably = true;
                u.sendControl(new Frame.PathAck(received));
            }
        }
    }

    /** Every probe interval: rates, probes and health, finished and idle flows. */
    protected void slowTick(long now) {
        for (Uplink u : uplinks) {
            // The delivery rate is what the scheduler believes a link can carry: it is measured only while the
            // link has data outstanding and answers; idle or suspect, the last estimate stands, or a link that
            // went quiet for a while would look useless and never be given data again.
            boolean busy = u.unackedBytes() > 0 && u.healthy();
            if (busy) {
                u.delivered.tick(now);
            } else {
                u.delivered.hold(now);
            }
            u.sent.tick(now);
            u.received.tick(now);
            u.refreshEngineFigures();
            u.repace(busy);
            probe(u, now);
            judge(u, now);
        }
        long udpIdle = settings.udpIdleTimeout().toNanos();
        for (BondFlow f : flows.values()) {
            if (f.isTcp() && f.isFinished()) {
                flows.remove(f.id);
                endedFlows.put(f.id, now);
                f.ended.set(true);
                onFlowEnded(f);
            } else if (!f.isTcp() && f.isOpen() && now - f.lastActivityNanos > udpIdle) {
                endFlow(f, FlowError.CLOSED, "idle for " + settings.udpIdleTimeout().toSeconds() + " s", true);
            }
        }
        endedFlows.values().removeIf(t -> now - t > CLOSED_FLOW_MEMORY_NANOS);
    }

    private void probe(Uplink u, long now) {
        Frame.Ping ping = new Frame.Ping(nextProbeId.incrementAndGet(), now);
        if (!u.sendDatagramOnly(ping)) {
            u.sendControl(ping);
        }
    }

    /**
     * Both ends judge every uplink by what they hear on it. Silence longer than the uplink's own RTT allows
     * makes it suspect: no new data or ACKs go to it and what it carried is re-sent on the others at once.
     * Heard again, it is trusted again; silent past deadAfter, it is closed (and the client reconnects it).
     */
    private void judge(Uplink u, long now) {
        long silence = now - u.lastHeardNanos();
        long allowed = Math.max(settings.silenceFloor().toNanos(), 3 * u.rtt.smoothedNanos() + 4 * u.rtt.varianceNanos());
        long blocked = u.writeBlockedNanos(now);
        if (silence > settings.deadAfter().toNanos()) {
            uplinkFailed(u, "silent for " + TimeUnit.NANOSECONDS.toMillis(silence) + " ms");
        } else if (blocked > Math.max(settings.deadAfter().toNanos(), 40 * u.rtt.smoothedNanos())) {
            // The link answers but our stream has not taken a byte for this long: a stalled QUIC stream (kwik's
            // send-request race can outlast the nudger). Reconnecting heals it; its data goes out elsewhere.
            uplinkFailed(u, "stream write blocked for " + TimeUnit.NANOSECONDS.toMillis(blocked) + " ms");
        } else if (silence > allowed && !u.isSuspect()) {
            suspect(u, silence);
        } else if (silence <= Math.min(allowed, busySilenceAllowed(u)) && u.isSuspect()) {
            u.setSuspect(false);
            u.markRecovered(now);
            event("uplink " + u.name() + " answers again");
            wakeWriters();
        }
    }

    /** Floor of {@link #busySilenceAllowed}. */
    static final long BUSY_SILENCE_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(120);

    /**
     * How long an uplink that carries our data may stay silent: 4 RTT variances plus 60 ms, at least 120 ms. A
     * busy uplink is never quiet for long when it works: the far end's QUIC acknowledges every other packet (at
     * most 25 ms late) and its bond reports what arrived every 10 ms, whatever the RTT. So a silence of a few
     * times that spacing means the path is gone, and waiting the idle rule's 300 ms (3 RTT with a floor) only
     * lengthens the stall of every flow whose next bytes were on it.
     */
    static long busySilenceAllowed(Uplink u) {
        return Math.max(BUSY_SILENCE_FLOOR_NANOS, 4 * u.rtt.varianceNanos() + TimeUnit.MILLISECONDS.toNanos(60));
    }

    /** Every 20 ms: an uplink with our data outstanding that falls silent is suspect within its busy allowance. */
    private void judgeBusy(long now) {
        for (Uplink u : uplinks) {
            if (u.healthy() && u.unackedBytes() > 0) {
                long silence = now - u.lastHeardNanos();
                if (silence > busySilenceAllowed(u)) {
                    suspect(u, silence);
                }
            }
        }
    }

    private void suspect(Uplink u, long silence) {
        u.setSuspect(true);
        long moved = reclaim(u);
        event("uplink " + u.name() + " suspect: silent " + TimeUnit.NANOSECONDS.toMillis(silence)
                + " ms; reinjected " + moved + " bytes");
        for (BondFlow f : flows.values()) {
            if (f.in != null) {
                f.in.requestAck();
            }
        }
        wakeWriters();
    }

    // ---- status ----

    public SessionStatus status() {
        List<SessionStatus.UplinkStatus> ups = new ArrayList<>();
        for (Uplink u : uplinks) {
            ups.add(SessionStatus.UplinkStatus.of(u));
        }
        int tcp = 0;
        int udp = 0;
        for (BondFlow f : flows.values()) {
            if (f.isTcp()) {
                tcp++;
            } else {
                udp++;
            }
        }
        return new SessionStatus(sessionIdHex(), userName(), ups, tcp, udp, reinjectedBytes.get());
    }

    protected abstract String userName();

    /** Every uplink's and flow's state in one line each, for diagnosing a flow that does not finish. */
    String describe() {
        StringBuilder b = new StringBuilder("session ").append(sessionIdHex()).append('\n');
        for (Uplink u : uplinks) {
            b.append("  ").append(SessionStatus.UplinkStatus.of(u)).append('\n');
        }
        for (BondFlow f : flows.values()) {
            b.append("  ").append(f).append(" opened=").append(f.opened.isDone()).append(" ended=")
                    .append(f.ended.get()).append(' ').append(f.out).append(' ').append(f.in).append('\n');
        }
        return b.toString();
    }

    public int flowCount() {
        return flows.size();
    }

    /** Closes every uplink and ends every flow. */
    public void close() {
        closed = true;
        for (BondFlow f : flows.values()) {
            endFlow(f, FlowError.BOND_LOST, "session closed", true);
        }
        for (Uplink u : uplinks) {
            u.markDown("session closed", ErrorCode.SHUTDOWN);
        }
        uplinks.clear();
        if (housekeeping != null) {
            housekeeping.interrupt();
        }
        if (udpCopier != null) {
            udpCopier.interrupt();
        }
        udpCopies.clear();
    }
}
