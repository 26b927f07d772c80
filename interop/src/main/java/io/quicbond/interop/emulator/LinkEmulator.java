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
 * <p>Each direction has a receiving thread, which reads datagrams and passes them to a {@link ShapedDirection}:
 * it decides every datagram's fate on arrival, and its sending thread hands admitted datagrams on at their
 * delivery time.
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
        this.up = new Pipe(Direction.UP, upProfile, clientSide, targetSide);
        this.down = new Pipe(Direction.DOWN, downProfile, targetSide, clientSide);
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
        up.shaped.setLinkUp(false);
        down.shaped.setLinkUp(false);
    }

    public void restore() {
        up.shaped.setLinkUp(true);
        down.shaped.setLinkUp(true);
    }

    public boolean isCut() {
        return !up.shaped.linkUp();
    }

    /**
     * Changes one direction's behaviour from the next arriving datagram on; datagrams already admitted keep their
     * timing, except that switching the direction off drops them.
     */
    public void setProfile(Direction direction, LinkProfile profile) {
        Objects.requireNonNull(profile, "profile");
        pipe(direction).shaped.setProfile(profile);
    }

    public LinkProfile profile(Direction direction) {
        return pipe(direction).shaped.profile();
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
        return new Stats(up.shaped.stats(), down.shaped.stats(), ignored.get());
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(clientSide);
        closeQuietly(targetSide);
        up.shaped.close();
        down.shaped.close();
        List<Thread> threads = new ArrayList<>(List.of(up.receiver, down.receiver));
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
        return "LinkEmulator[" + localAddress + " -> " + target + ", up " + up.shaped.profile() + ", down "
                + down.shaped.profile() + (isCut() ? ", cut" : "") + "]";
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

    /** One direction: a socket to read from, its {@link ShapedDirection}, and a receiving thread. */
    private final class Pipe {
        final Direction direction;
        final ShapedDirection shaped;
        final DatagramChannel in;
        final Thread receiver;

        Pipe(Direction direction, LinkProfile profile, DatagramChannel in, DatagramChannel out) {
            this.direction = direction;
            this.in = in;
            String name = "link-emu-" + localAddress.getPort() + "-" + direction.name().toLowerCase(java.util.Locale.ROOT);
            this.shaped = new ShapedDirection(name + "-tx", profile, packet -> {
                InetSocketAddress destination = direction == Direction.UP ? target : client;
                if (destination == null) {
                    return false;
                }
                out.send(ByteBuffer.wrap(packet), destination);
                return true;
            });
            this.receiver = Thread.ofPlatform().daemon().name(name + "-rx").unstarted(this::receiveLoop);
        }

        void start() {
            receiver.start();
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
                shaped.offer(data, now);
            }
        }
    }
}
