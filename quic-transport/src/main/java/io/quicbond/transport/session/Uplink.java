package io.quicbond.transport.session;

import io.quicbond.transport.engine.LinkStats;
import io.quicbond.transport.engine.LinkStream;
import io.quicbond.transport.engine.QuicLink;
import io.quicbond.transport.flow.Chunk;
import io.quicbond.transport.flow.PathAccount;
import io.quicbond.transport.frame.BondProtocolException;
import io.quicbond.transport.frame.ErrorCode;
import io.quicbond.transport.frame.Frame;
import io.quicbond.transport.frame.FrameCodec;
import io.quicbond.transport.scheduler.Scheduler;
import io.quicbond.transport.scheduler.UplinkView;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One uplink of a session: its QUIC connection and bond stream, a reader thread that hands frames to the
 * session, and a writer thread that sends control frames first, then pulls chunks from the session's flows.
 *
 * <p>Threads: {@code uplink-NAME-reader} and {@code uplink-NAME-writer} (virtual). Other threads only enqueue
 * control frames ({@link #sendControl}) and wake the writer ({@link #wake}).
 */
public final class Uplink implements UplinkView, PathAccount {
    private static final Logger LOG = Logger.getLogger(Uplink.class.getName());
    /** Largest DATA payload per frame: small enough to spread a flow over links, large enough to be cheap. */
    static final int CHUNK_BYTES = 16 * 1024;
    private static final int WRITE_BATCH = 64 * 1024;
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int id;
    private final String name;
    private volatile UplinkTuning tuning;
    /** Caps what this end sends on the uplink: the client's upload cap, the server's download cap. */
    private volatile RateCap sendCap = RateCap.NONE;
    /** Spreads the writer's sends at the rate {@link PacingController} sets; NONE until a delivery rate is known. */
    private volatile RateCap pacer = RateCap.NONE;
    private final QuicLink link;
    private final LinkStream stream;
    private final BondSession session;
    private final ConcurrentLinkedQueue<byte[]> control = new ConcurrentLinkedQueue<>();
    /** UDP packets that could not go as datagrams wait on the stream; beyond this they are dropped (it is UDP). */
    static final long MAX_QUEUED_UDP_BYTES = 1 << 20;
    private final AtomicLong queuedUdpBytes = new AtomicLong();
    final AtomicLong udpDropped = new AtomicLong();
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicLong unacked = new AtomicLong();
    final RateMeter delivered = new RateMeter();
    /** DATA payload bytes this end sent on this uplink, and received on it. */
    private final AtomicLong dataSent = new AtomicLong();
    final AtomicLong dataReceived = new AtomicLong();
    /** What the far end last said it received on this uplink (PATH_ACK); -1 until it says. */
    private volatile long peerReceived = -1;
    private volatile long lastDeliveryProgressNanos = System.nanoTime();
    /** What this end last told the far end it received, and when. */
    long reportedReceived;
    long reportedAtNanos;
    boolean reportedReliably = true;
    final RateMeter sent = new RateMeter();
    final RateMeter received = new RateMeter();
    final RttEstimator rtt;
    private volatile long lastHeardNanos = System.nanoTime();
    private volatile long lastPacketsReceived = -1;
    private volatile Thread writer;
    private volatile String downReason;
    /** Silent for longer than its RTT allows: carries no new data until heard again. */
    private volatile boolean suspect;
    /** When the writer entered a blocking stream write that has not returned yet; 0 when it is not writing. */
    private volatile long writeBlockedSinceNanos;

    Uplink(int id, String name, UplinkTuning tuning, QuicLink link, LinkStream stream, BondSession session) {
        this.id = id;
        this.name = name;
        this.link = link;
        this.stream = stream;
        this.session = session;
        this.rtt = new RttEstimator(TimeUnit.MILLISECONDS.toNanos(100));
        applyTuning(tuning);
    }

    /** Takes new tier, weight and caps at once; any thread. */
    void applyTuning(UplinkTuning tuning) {
        UplinkTuning old = this.tuning;
        this.tuning = tuning;
        long cap = session.sendsUpstream() ? tuning.upBitsPerSecond() : tuning.downBitsPerSecond();
        long oldCap = old == null ? -1 : session.sendsUpstream() ? old.upBitsPerSecond() : old.downBitsPerSecond();
        if (cap != oldCap) {
            sendCap = cap == 0 ? RateCap.NONE : new RateCap(cap);
        }
        wake();
    }

    UplinkTuning tuning() {
        return tuning;
    }

    /** Client side: applies new tuning here and tells the server (UPLINK_SETTINGS). */
    void retune(UplinkTuning tuning) {
        applyTuning(tuning);
        sendControl(BondSession.settingsFrame(tuning));
    }

    /** Whether the send cap lets this uplink send now. */
    boolean withinCap(long nowNanos) {
        return sendCap.mayTake(nowNanos);
    }

    /** Starts the reader and writer; {@code in} is the stream's input, already past the handshake frames. */
    void start(DataInputStream in) {
        writer = Thread.ofVirtual().name("uplink-" + name + "-writer").start(this::writeLoop);
        Thread.ofVirtual().name("uplink-" + name + "-reader").start(() -> readLoop(in));
        link.onDatagram(this::onDatagram);
        link.onClosed(reason -> session.uplinkFailed(this, "connection closed: " + reason));
    }

    static DataInputStream frameInput(LinkStream stream) {
        return new DataInputStream(new BufferedInputStream(stream.input(), 64 * 1024));
    }

    private void readLoop(DataInputStream in) {
        try {
            Frame frame;
            while ((frame = FrameCodec.read(in)) != null) {
                heard();
                session.onFrame(this, frame);
            }
            session.uplinkFailed(this, "bond stream ended");
        } catch (BondProtocolException e) {
            LOG.warning("uplink " + name + ": protocol violation: " + e.getMessage());
            link.close(e.code().code(), e.getMessage());
            session.uplinkFailed(this, "protocol violation: " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            session.uplinkFailed(this, "read failed: " + e);
        }
    }

    private void onDatagram(byte[] datagram) {
        heard();
        try {
            session.onFrame(this, FrameCodec.decodeDatagram(datagram));
        } catch (BondProtocolException e) {
            // A bad datagram is dropped: datagrams are unreliable by nature and one must not end the uplink.
            LOG.fine("uplink " + name + ": dropped malformed datagram: " + e.getMessage());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "uplink " + name + ": datagram handling failed", e);
        }
    }

    private void writeLoop() {
        OutputStream out = stream.output();
        byte[] batch = new byte[WRITE_BATCH + CHUNK_BYTES + 64];
        int pos = 0;
        try {
            while (!down.get()) {
                boolean progress = false;
                byte[] frame;
                while ((frame = control.poll()) != null || (frame = pollUdp()) != null) {
                    if (pos + frame.length > batch.length) {
                        write(out, batch, pos);
                        pos = 0;
                    }
                    if (frame.length > batch.length) {
                        write(out, frame, frame.length);
                    } else {
                        System.arraycopy(frame, 0, batch, pos, frame.length);
                        pos += frame.length;
                    }
                    progress = true;
                }
                RateCap cap = sendCap;
                RateCap pace = pacer;
                long now = System.nanoTime();
                long capWait = Math.max(cap.nanosUntilAvailable(now), pace.nanosUntilAvailable(now));
                if (pos < WRITE_BATCH && capWait == 0 && belowInflightLimit()) {
                    // The payload goes straight into the batch, behind room for its header.
                    int payloadAt = pos + FrameCodec.HEADER_BYTES + FrameCodec.DATA_BODY_OVERHEAD;
                    Chunk chunk = session.nextChunk(this, CHUNK_BYTES, batch, payloadAt);
                    if (chunk != null) {
                        long sentAt = System.nanoTime();
                        cap.consume(chunk.length(), sentAt);
                        pace.consume(chunk.length(), sentAt);
                        FrameCodec.writeDataHeader(batch, pos, chunk.flowId(), chunk.offset(), chunk.fin(), chunk.length());
                        pos = payloadAt + chunk.length();
                        sent.add(chunk.length()); // dataSent was advanced by claimSequence
                        progress = true;
                    }
                }
                if (pos >= WRITE_BATCH || (!progress && pos > 0)) {
                    write(out, batch, pos);
                    pos = 0;
                    continue;
                }
                if (!progress) {
                    LockSupport.parkNanos(this, capWait > 0 ? Math.min(capWait, IDLE_PARK_NANOS) : IDLE_PARK_NANOS);
                }
            }
        } catch (IOException | RuntimeException e) {
            session.uplinkFailed(this, "write failed: " + e);
        }
    }

    private byte[] pollUdp() {
        byte[] f = udpQueue.poll();
        if (f != null) {
            queuedUdpBytes.addAndGet(-f.length);
        }
        return f;
    }

    private void write(OutputStream out, byte[] bytes, int length) throws IOException {
        writeBlockedSinceNanos = System.nanoTime();
        try {
            out.write(bytes, 0, length);
        } finally {
            writeBlockedSinceNanos = 0;
        }
    }

    /** How long the current stream write has been blocked, or 0. */
    long writeBlockedNanos(long now) {
        long since = writeBlockedSinceNanos;
        return since == 0 ? 0 : now - since;
    }

    /** Queues a control frame for this uplink and wakes its writer. */
    void sendControl(Frame frame) {
        control.add(FrameCodec.encode(frame));
        wake();
    }

    /**
     * Sends a UDP frame as a QUIC datagram if it fits and the engine takes it, else on the bond stream, where at
     * most {@link #MAX_QUEUED_UDP_BYTES} may wait (more is dropped and counted, as a router queue would). Counted
     * in {@link #sent}.
     */
    void sendUdp(Frame.Udp frame) {
        sent.add(frame.payload().length);
        long now = System.nanoTime();
        sendCap.consume(frame.payload().length, now);
        pacer.consume(frame.payload().length, now);
        byte[] datagram = FrameCodec.encodeDatagram(frame);
        if (datagram.length <= link.maxDatagramPayload() && link.sendDatagram(datagram)) {
            return;
        }
        if (queuedUdpBytes.get() > MAX_QUEUED_UDP_BYTES) {
            udpDropped.incrementAndGet();
            return;
        }
        byte[] framed = FrameCodec.encode(frame);
        queuedUdpBytes.addAndGet(framed.length);
        udpQueue.add(framed);
        wake();
    }

    private final ConcurrentLinkedQueue<byte[]> udpQueue = new ConcurrentLinkedQueue<>();

    /** Sends a probe or other expendable frame as a datagram only; returns false when it could not. */
    boolean sendDatagramOnly(Frame frame) {
        byte[] datagram = FrameCodec.encodeDatagram(frame);
        return datagram.length <= link.maxDatagramPayload() && link.sendDatagram(datagram);
    }

    void wake() {
        Thread w = writer;
        if (w != null) {
            LockSupport.unpark(w);
        }
    }

    void heard() {
        lastHeardNanos = System.nanoTime();
    }

    /** Last time anything arrived: a frame, a datagram, or (when the engine counts them) any QUIC packet. */
    long lastHeardNanos() {
        long packets = link.recentStats().packetsReceived();
        if (packets >= 0 && packets != lastPacketsReceived) {
            lastPacketsReceived = packets;
            lastHeardNanos = System.nanoTime();
        }
        return lastHeardNanos;
    }

    /** Marks the uplink down (once) and closes its connection. Returns false if it already was down. */
    boolean markDown(String reason, ErrorCode code) {
        if (!down.compareAndSet(false, true)) {
            return false;
        }
        downReason = reason;
        wake();
        link.close(code.code(), reason);
        return true;
    }

    public int id() {
        return id;
    }

    @Override
    public int pathId() {
        return id;
    }

    @Override
    public void addUnacked(long delta, boolean delivered) {
        unacked.addAndGet(delta);
        if (delivered && peerReceived < 0) {
            this.delivered.add(-delta);
        }
    }

    @Override
    public long claimSequence(int bytes) {
        long sent = dataSent.addAndGet(bytes);
        if (sent - bytes <= Math.max(0, peerReceived)) {
            lastDeliveryProgressNanos = System.nanoTime(); // nothing was outstanding: the wait starts now
        }
        return sent;
    }

    /**
     * How long the far end has reported no delivery on this uplink while data sent on it is outstanding; 0 when
     * nothing is outstanding. A working uplink reports every 10 ms while it receives, so this grows only while
     * its path delivers nothing: dead, rebound by a NAT, its QUIC stream stalled, or repairing a loss.
     */
    long deliveryStalledNanos(long now) {
        long peer = peerReceived;
        if (peer < 0 || dataSent.get() <= peer) {
            return 0;
        }
        return now - lastDeliveryProgressNanos;
    }

    @Override
    public long deliveredSequence() {
        return peerReceived;
    }

    /** The far end's PATH_ACK; runs on the reader or datagram thread. Returns whether it acknowledged more. */
    boolean onPeerReceived(long received) {
        long clamped = Math.min(received, dataSent.get()); // it cannot have received what was never sent
        synchronized (this) {
            long before = peerReceived;
            if (clamped <= before) {
                return false;
            }
            peerReceived = clamped;
            lastDeliveryProgressNanos = System.nanoTime();
            delivered.add(clamped - Math.max(0, before));
            return true;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean healthy() {
        return !down.get() && !suspect;
    }

    boolean isDown() {
        return down.get();
    }

    boolean isSuspect() {
        return suspect;
    }

    void setSuspect(boolean suspect) {
        this.suspect = suspect;
    }

    private volatile long recoveredAtNanos = Long.MIN_VALUE;

    /** When the uplink last came back from suspect; probes sent before then are not RTT samples. */
    long recoveredAtNanos() {
        return recoveredAtNanos;
    }

    void markRecovered(long nowNanos) {
        recoveredAtNanos = nowNanos;
    }

    @Override
    public boolean primary() {
        return tuning.primary();
    }

    @Override
    public double weight() {
        return tuning.weight();
    }

    @Override
    public long srttNanos() {
        return rtt.smoothedNanos();
    }

    /**
     * This uplink's own backlog: DATA bytes handed to it that the far end has not received yet (queued in the QUIC
     * stream or in flight). Before the far end's first PATH_ACK, the flow-level count (bytes not yet acknowledged
     * in order, which also holds bytes that arrived but wait for another uplink's).
     */
    @Override
    public long unackedBytes() {
        long peer = peerReceived;
        return peer >= 0 ? Math.max(0, dataSent.get() - peer) : Math.max(0, unacked.get());
    }

    /**
     * What the uplink delivers, in bytes per second. The QUIC engine's estimate where it has one (quiche: its
     * congestion controller's bandwidth estimate, from every acknowledged packet) once the bond has seen the
     * uplink deliver or the estimate is above the scheduler's first guess; otherwise the bond's own measure
     * (flow bytes the far end reported, peak over recent half seconds). The engine's figure is preferred: the
     * bond sees bytes only as the QUIC stream hands them over in order, in bursts after every repaired loss.
     * A low engine figure from the handshake's few packets alone is not taken: it would keep a new uplink from
     * ever getting enough data to show its rate.
     */
    @Override
    public double deliveryRate() {
        double own = delivered.peakBytesPerSecond();
        double engine = engineDeliveryRate;
        if (engine > 0 && (own > 0 || engine > Scheduler.UNKNOWN_RATE)) {
            return engine;
        }
        return own;
    }

    /** The engine's figures, read on the housekeeping thread (reading them may wait for the engine's loop). */
    void refreshEngineFigures() {
        LinkStats s = link.stats();
        engineDeliveryRate = s.deliveryRateBps();
        if (!rtt.hasSample() && s.srttMicros() > 0) {
            // The handshake measured the path before any probe came back: better than the initial guess.
            rtt.sample(s.srttMicros() * 1000);
        }
    }

    private volatile double engineDeliveryRate = -1;

    /** Below this backlog an uplink always takes more: enough for a link to show what it can carry. */
    static final long MIN_INFLIGHT_BYTES = 256 * 1024;
    /** The backlog limit in minimum RTTs (plus {@link #WINDOW_SLACK_NANOS}); see {@link #inflightLimit}. */
    static final double WINDOW_RTTS = 3.0;
    static final long WINDOW_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(15);

    /**
     * Whether the uplink may take another chunk: its own backlog (sent, not yet received by the far end) stays
     * near what the path holds, as TCP_NOTSENT_LOWAT keeps a socket's queue short. Without it a QUIC stream
     * buffers seconds of data on a fast link, the flow's bytes sit there instead of in the flow's buffer where
     * the scheduler could still give them to another uplink, and the receiver must reorder seconds.
     */
    boolean belowInflightLimit() {
        return unackedBytes() < inflightLimit();
    }

    /**
     * The backlog limit: the uplink's delivery rate times three of its minimum RTTs plus 15 ms, at least 256 KiB.
     * One RTT is the path's own hold (the PATH_ACK that reports delivery comes back over it, up to 10 ms late:
     * the 15 ms); the other two let the uplink keep sending through a lost packet's repair, while the far end's
     * QUIC stream holds everything behind the hole and reports none of it (with 1 % loss on the fastest link,
     * 1.5 RTTs gave 47 Mbit/s and 3 gave 60 on the benchmark's links). The pacer, not this limit, keeps the
     * bottleneck's queue short. Sized by the minimum RTT, not the smoothed one: a limit taken from an RTT that
     * grows with the queue let the queue (and a shallow buffer's drops) feed themselves.
     */
    long inflightLimit() {
        double rate = deliveryRate();
        long byRate = (long) (rate * (WINDOW_RTTS * rtt.minNanos() + WINDOW_SLACK_NANOS) / 1e9);
        long limit = Math.max(MIN_INFLIGHT_BYTES, byRate);
        if (pacing.inStartup()) { // asked before each chunk: read the engine's figures only while it matters
            long cwnd = link.recentStats().cwndBytes();
            if (cwnd > 0) {
                limit = Math.min(limit, Math.max(CWND_LIMIT_FACTOR * cwnd, 2L * CHUNK_BYTES));
            }
        }
        return limit;
    }

    /**
     * While a new uplink is in its startup ({@link PacingController}), the backlog limit is also at most this many
     * of the engine's congestion windows: QUIC sends no more than a window per RTT, so bytes beyond one more window
     * only wait in the uplink's stream, given to this uplink for good. At the start of a transfer a 10 Mbit/s
     * uplink with a 200 ms RTT had taken half a megabyte it needed a second to deliver, its 50-ms buffer dropped
     * most of the burst, and the flow delivered 0.8 MB in its first second on 70 Mbit/s of links. Only then: on a
     * lossy link the window shrinks at every loss while the far end's stream holds what follows the hole, and a
     * limit that followed it left that uplink idle through each repair.
     */
    static final long CWND_LIMIT_FACTOR = 2;

    /** Paths with a minimum RTT below this (loopback, a LAN) are not paced when the engine has no rate estimate. */
    static final long LOCAL_PATH_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /**
     * Whether an uplink is paced: always when the engine estimates its delivery rate; otherwise unless its path is
     * local (minimum RTT below {@link #LOCAL_PATH_NANOS}; {@code minRttNanos} -1 when not measured yet).
     */
    static boolean paced(double engineDeliveryRate, long minRttNanos) {
        return engineDeliveryRate > 0 || minRttNanos < 0 || minRttNanos >= LOCAL_PATH_NANOS;
    }

    /** A pacer's burst: this long at its rate, at least one chunk. */
    private static final long PACING_BURST_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    private static final long PACING_MIN_BURST_BYTES = CHUNK_BYTES + 64;
    private final PacingController pacing = new PacingController();

    /** Sets the pacer (housekeeping, every probe interval); see {@link PacingController}. */
    void repace(boolean busy) {
        if (!paced(engineDeliveryRate, rtt.hasSample() ? rtt.minNanos() : -1)) {
            // Without the engine's own estimate (kwik) the rate paced at is the bond's measure of what it sent,
            // and on a path this short the RTT moves with the CPU (kwik's own queues on a busy machine), not with
            // a bottleneck's buffer: pacing by the two spiralled down, on loopback kwik fell from 134 to
            // 45 Mbit/s through one uplink. quiche keeps its pacing there: unpaced, its bursts overflowed the
            // loopback sockets' buffers and downloads fell from 1 Gbit/s to 0.24.
            pacer = RateCap.NONE;
            return;
        }
        long queue = currentRttNanos() - rtt.minNanos();
        double rate = pacing.update(deliveryRate(), rtt.minNanos(), queue, busy);
        long bits = (long) (rate * 8);
        long current = pacer.bitsPerSecond();
        if (bits == 0 ? current != 0 : Math.abs(bits - current) > current / 50) {
            pacer = bits == 0 ? RateCap.NONE : new RateCap(bits, PACING_BURST_NANOS, PACING_MIN_BURST_BYTES);
        }
    }

    /**
     * The path's RTT now: the engine's smoothed RTT where it keeps one (quiche samples every acknowledged packet,
     * so it follows a queue within milliseconds), else the last few probes.
     */
    long currentRttNanos() {
        long engine = link.recentStats().srttMicros();
        return engine > 0 ? engine * 1000 : rtt.recentNanos();
    }

    /** The pacing rate in bytes per second; 0 when the uplink is not paced. */
    double pacingRate() {
        return pacer.bitsPerSecond() / 8.0;
    }

    QuicLink link() {
        return link;
    }

    String downReason() {
        return downReason;
    }

    LinkStats linkStats() {
        return link.stats();
    }

    @Override
    public String toString() {
        return "uplink " + name + "#" + id;
    }
}
