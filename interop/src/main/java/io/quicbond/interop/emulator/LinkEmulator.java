package io.quicbond.interop.emulator;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One emulated uplink: a UDP relay between one client and a target, shaped in each direction by a
 * {@link LinkProfile}. The client sends to {@link #localAddress()}; the first address that does so becomes
 * the client, and datagrams from any other address are ignored, unless the client has been quiet for
 * {@link #CLIENT_REBIND_AFTER}: then the new address becomes the client, as a router reconnecting an uplink
 * from a new source port through the same WAN would. The relay forwards to the target from a
 * socket of its own and relays the target's replies back to the client.
 *
 * <p>Each direction has a receiving thread, which decides every datagram's fate on arrival, and a sending
 * thread, which hands admitted datagrams on at their delivery time. Platform threads and
 * {@link LockSupport#parkNanos} keep delivery within a fraction of a millisecond of its due time; delivery
 * times are absolute, so a late wake-up never lowers the long-run rate.
 *
 * <p>Thread-safe: cut, restore, profile changes and stats may be called from any thread at any time.
 */
public final class LinkEmulator implements AutoCloseable {

    /** UP is client to target, DOWN is target to client. */
    public enum Direction { UP, DOWN }

    /**
     * A snapshot of both directions.
     *
     * @param ignoredPackets datagrams from addresses that are neither the client nor the target
     */
    public record Stats(DirectionStats up, DirectionStats down, long ignoredPackets) {
        public DirectionStats get(Direction direction) {
            return direction == Direction.UP ? up : down;
        }
    }

    /** Big enough that a burst far larger than any queue limit waits in the kernel rather than being lost there. */
    private static final int SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;
    private static final int MAX_DATAGRAM = 65_535;

    private final InetSocketAddress target;
    private final DatagramChannel clientSide;
    private final DatagramChannel targetSide;
    private final InetSocketAddress localAddress;
    private final Pipe up;
    private final Pipe down;
    private final AtomicLong ignored = new AtomicLong();
    private final List<Thread> schedules = new ArrayList<>();
    private volatile InetSocketAddress client;
    private volatile long clientLastSeenNanos;
    public static final java.time.Duration CLIENT_REBIND_AFTER = java.time.Duration.ofSeconds(1);
    private volatile boolean closed;

    private LinkEmulator(InetSocketAddress listen, InetSocketAddress target, LinkProfile upProfile,
                         LinkProfile downProfile) throws IOException {
        this.target = target;
        DatagramChannel cs = null;
        DatagramChannel ts = null;
        try {
            cs = open(listen);
            cs.bind(listen);
            ts = open(target);
            ts.bind(null);
        } catch (IOException | RuntimeException e) {
            closeQuietly(cs);
            closeQuietly(ts);
            throw e;
        }
        this.clientSide = cs;
        this.targetSide = ts;
        this.localAddress = (InetSocketAddress) cs.getLocalAddress();
        long now = System.nanoTime();
        this.up = new Pipe(Direction.UP, new Shaper(upProfile, new SplittableRandom(), now), clientSide, targetSide);
        this.down = new Pipe(Direction.DOWN, new Shaper(downProfile, new SplittableRandom(), now), targetSide,
                clientSide);
        up.start();
        down.start();
    }

    /** A relay listening on 127.0.0.1 at an ephemeral port. */
    public static LinkEmulator start(InetSocketAddress target, LinkProfile up, LinkProfile down) throws IOException {
        return start(new InetSocketAddress("127.0.0.1", 0), target, up, down);
    }

    /**
     * A relay listening on {@code listen} (port 0 picks one).
     *
     * @param target where the client's datagrams go; must be resolved
     */
    public static LinkEmulator start(InetSocketAddress listen, InetSocketAddress target, LinkProfile up,
                                     LinkProfile down) throws IOException {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(up, "up");
        Objects.requireNonNull(down, "down");
        if (target.isUnresolved()) {
            throw new IllegalArgumentException("target address is not resolved: " + target);
        }
        if (listen.isUnresolved()) {
            throw new IllegalArgumentException("listen address is not resolved: " + listen);
        }
        return new LinkEmulator(listen, target, up, down);
    }

    /** Where the client must send its datagrams. */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    public InetSocketAddress target() {
        return target;
    }

    /** The client, once its first datagram has arrived. */
    public Optional<InetSocketAddress> clientAddress() {
        return Optional.ofNullable(client);
    }

    /** Blackholes both directions, including what is on the wire right now, until {@link #restore()}. */
    public void cut() {
        long now = System.nanoTime();
        up.shaper.setLinkUp(false, now);
        down.shaper.setLinkUp(false, now);
        // Let the senders discard dead packets now rather than when the first falls due: after a restore with a
        // shorter delay, fresh packets would otherwise wait behind them.
        up.wakeSender();
        down.wakeSender();
    }

    public void restore() {
        long now = System.nanoTime();
        up.shaper.setLinkUp(true, now);
        down.shaper.setLinkUp(true, now);
    }

    public boolean isCut() {
        return !up.shaper.linkUp();
    }

    /**
     * Changes one direction's behaviour from the next arriving datagram on; datagrams already admitted keep their
     * timing, except that switching the direction off drops them.
     */
    public void setProfile(Direction direction, LinkProfile profile) {
        Objects.requireNonNull(profile, "profile");
        Pipe pipe = pipe(direction);
        pipe.shaper.setProfile(profile, System.nanoTime());
        pipe.wakeSender();
    }

    public LinkProfile profile(Direction direction) {
        return pipe(direction).shaper.profile();
    }

    /**
     * Runs scripted cuts and restores, timed from this call, on a thread of their own; {@link #close()} stops it.
     * Several schedules may run at once.
     */
    public void schedule(List<ScheduledAction> actions) {
        long base = System.nanoTime();
        List<ScheduledAction> sorted = actions.stream().sorted(Comparator.comparing(ScheduledAction::at)).toList();
        Thread thread = Thread.ofPlatform().daemon().name("link-emu-" + localAddress.getPort() + "-schedule")
                .unstarted(() -> {
                    for (ScheduledAction action : sorted) {
                        long due = base + action.at().toNanos();
                        long wait;
                        while ((wait = due - System.nanoTime()) > 0) {
                            LockSupport.parkNanos(this, wait);
                            if (closed || Thread.currentThread().isInterrupted()) {
                                return;
                            }
                        }
                        if (closed) {
                            return;
                        }
                        switch (action.action()) {
                            case CUT -> cut();
                            case RESTORE -> restore();
                        }
                    }
                });
        synchronized (schedules) {
            if (closed) {
                throw new IllegalStateException("link emulator is closed");
            }
            schedules.removeIf(t -> !t.isAlive());
            schedules.add(thread);
            thread.start();
        }
    }

    public Stats stats() {
        long now = System.nanoTime();
        return new Stats(up.shaper.stats(now), down.shaper.stats(now), ignored.get());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(clientSide);
        closeQuietly(targetSide);
        up.wakeSender();
        down.wakeSender();
        List<Thread> threads = new ArrayList<>(List.of(up.receiver, up.sender, down.receiver, down.sender));
        synchronized (schedules) {
            // Interrupting is safe only for these: a channel's own threads would close it if interrupted mid-I/O.
            schedules.forEach(Thread::interrupt);
            threads.addAll(schedules);
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return "LinkEmulator[" + localAddress + " -> " + target + ", up " + up.shaper.profile() + ", down "
                + down.shaper.profile() + (isCut() ? ", cut" : "") + "]";
    }

    private Pipe pipe(Direction direction) {
        return switch (Objects.requireNonNull(direction, "direction")) {
            case UP -> up;
            case DOWN -> down;
        };
    }

    private static DatagramChannel open(InetSocketAddress address) throws IOException {
        ProtocolFamily family = address.getAddress() instanceof Inet4Address
                ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
        DatagramChannel channel = DatagramChannel.open(family);
        // The kernel caps these at net.core.[rw]mem_max; a smaller buffer only makes bursts lossier, so go on.
        channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
        channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        return channel;
    }

    private static void closeQuietly(DatagramChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignoredOnClose) {
                // Nothing more can be done with a socket that fails to close.
            }
        }
    }

    /** One direction: a socket to read from, the shaper, the in-flight queue and a socket to write to. */
    private final class Pipe {
        final Direction direction;
        final Shaper shaper;
        final DatagramChannel in;
        final DatagramChannel out;
        /** Delivery times never decrease along it (the shaper keeps FIFO order), so the head is always due first. */
        final ConcurrentLinkedQueue<Shaper.Packet> queue = new ConcurrentLinkedQueue<>();
        final Thread receiver;
        final Thread sender;
        /** Set by the sender before it parks with nothing to send, so that the receiver knows to wake it. */
        volatile boolean senderIdle;

        Pipe(Direction direction, Shaper shaper, DatagramChannel in, DatagramChannel out) {
            this.direction = direction;
            this.shaper = shaper;
            this.in = in;
            this.out = out;
            String name = "link-emu-" + localAddress.getPort() + "-" + direction.name().toLowerCase(java.util.Locale.ROOT);
            this.sender = Thread.ofPlatform().daemon().name(name + "-tx").unstarted(this::sendLoop);
            this.receiver = Thread.ofPlatform().daemon().name(name + "-rx").unstarted(this::receiveLoop);
        }

        void start() {
            sender.start();
            receiver.start();
        }

        void wakeSender() {
            LockSupport.unpark(sender);
        }

        private boolean fromExpectedPeer(SocketAddress from) {
            if (direction == Direction.DOWN) {
                return target.equals(from);
            }
            InetSocketAddress known = client;
            long now = System.nanoTime();
            if (known == null || (!known.equals(from) && now - clientLastSeenNanos > CLIENT_REBIND_AFTER.toNanos())) {
                synchronized (LinkEmulator.this) {
                    if (client == null || (!client.equals(from) && now - clientLastSeenNanos > CLIENT_REBIND_AFTER.toNanos())) {
                        client = (InetSocketAddress) from;
                    }
                    known = client;
                }
            }
            if (known.equals(from)) {
                clientLastSeenNanos = now;
                return true;
            }
            return false;
        }

        private void receiveLoop() {
            ByteBuffer buffer = ByteBuffer.allocateDirect(MAX_DATAGRAM);
            while (!closed) {
                buffer.clear();
                SocketAddress from;
                try {
                    from = in.receive(buffer);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    if (closed) {
                        return;
                    }
                    // A transient error (e.g. an ICMP report); back off a little so a persistent one cannot spin.
                    LockSupport.parkNanos(1_000_000);
                    continue;
                }
                long now = System.nanoTime();
                if (from == null) {
                    continue;
                }
                if (!fromExpectedPeer(from)) {
                    ignored.incrementAndGet();
                    continue;
                }
                buffer.flip();
                byte[] data = new byte[buffer.remaining()];
                buffer.get(data);
                Shaper.Packet packet = shaper.offer(data, now);
                if (packet != null) {
                    queue.add(packet);
                    // A sender waiting for the head's time needs no wake-up: a new packet is never due before it.
                    if (senderIdle) {
                        LockSupport.unpark(sender);
                    }
                }
            }
        }

        private void sendLoop() {
            while (!closed) {
                Shaper.Packet packet = queue.peek();
                if (packet == null) {
                    // Flag first, look again, then park: an add that the second look misses sees the flag and
                    // unparks us, so no packet can be left waiting for a wake-up that never comes.
                    senderIdle = true;
                    if (queue.peek() == null && !closed) {
                        LockSupport.park(this);
                    }
                    senderIdle = false;
                    continue;
                }
                if (!shaper.current(packet)) {
                    queue.poll();
                    shaper.beginDelivery(packet);
                    continue;
                }
                long wait = packet.deliverAt() - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(this, wait);
                    continue;
                }
                queue.poll();
                if (!shaper.beginDelivery(packet)) {
                    continue;
                }
                InetSocketAddress destination = direction == Direction.UP ? target : client;
                if (destination == null) {
                    shaper.sendFailed();
                    continue;
                }
                try {
                    out.send(ByteBuffer.wrap(packet.data()), destination);
                    shaper.delivered(packet.data().length);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    shaper.sendFailed();
                }
            }
        }
    }
}
