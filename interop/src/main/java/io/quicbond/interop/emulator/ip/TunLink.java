package io.quicbond.interop.emulator.ip;

import io.quicbond.interop.emulator.DirectionStats;
import io.quicbond.interop.emulator.LinkEmulator.Direction;
import io.quicbond.interop.emulator.LinkProfile;
import io.quicbond.interop.emulator.ShapedDirection;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * One emulated link at the IP level: a pair of TUN devices (one on the client side, one on the server side) and a
 * forwarder per direction that reads IP packets from one device, shapes them with a {@link ShapedDirection} and
 * writes them into the other. Rates count whole IP packets (headers included), as a router's queue does.
 *
 * <p>Threads: per direction a reading thread (this class) and a sending thread (the {@link ShapedDirection}); cut,
 * restore, profile changes and stats may be called from any thread. {@link #close()} stops them, then closes both
 * devices, which removes them.
 */
public final class TunLink implements AutoCloseable {
    private static final int POLL_MILLIS = 100;

    private final String name;
    private final TunDevice clientSide;
    private final TunDevice serverSide;
    private final ShapedDirection up;
    private final ShapedDirection down;
    private final Thread upReader;
    private final Thread downReader;
    private volatile boolean closed;

    /**
     * Starts forwarding between two open devices; this link owns them from now on.
     *
     * @param upProfile   client to server
     * @param downProfile server to client
     */
    public TunLink(String name, TunDevice clientSide, TunDevice serverSide, LinkProfile upProfile,
                   LinkProfile downProfile) {
        this.name = Objects.requireNonNull(name, "name");
        this.clientSide = Objects.requireNonNull(clientSide, "clientSide");
        this.serverSide = Objects.requireNonNull(serverSide, "serverSide");
        String thread = "tun-link-" + name;
        this.up = new ShapedDirection(thread + "-up-tx", upProfile, packet -> {
            serverSide.write(packet);
            return true;
        });
        this.down = new ShapedDirection(thread + "-down-tx", downProfile, packet -> {
            clientSide.write(packet);
            return true;
        });
        this.upReader = Thread.ofPlatform().daemon().name(thread + "-up-rx").start(() -> readLoop(clientSide, up));
        this.downReader = Thread.ofPlatform().daemon().name(thread + "-down-rx").start(() -> readLoop(serverSide, down));
    }

    private void readLoop(TunDevice from, ShapedDirection to) {
        while (!closed) {
            byte[] packet;
            try {
                packet = from.read(POLL_MILLIS);
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                // The device went away (deleted, namespace removed): nothing more will come from it.
                System.err.println("tun-link " + name + ": " + e.getMessage() + "; this direction stops");
                return;
            }
            if (packet != null) {
                to.offer(packet, System.nanoTime());
            }
        }
    }

    public String name() {
        return name;
    }

    /** Blackholes both directions, including what is on the wire, until {@link #restore()}. */
    public void cut() {
        up.setLinkUp(false);
        down.setLinkUp(false);
    }

    public void restore() {
        up.setLinkUp(true);
        down.setLinkUp(true);
    }

    public boolean isCut() {
        return !up.linkUp();
    }

    public void setProfile(Direction direction, LinkProfile profile) {
        shaped(direction).setProfile(profile);
    }

    public LinkProfile profile(Direction direction) {
        return shaped(direction).profile();
    }

    /** Counters of one direction; bytes are IP packet bytes. */
    public DirectionStats stats(Direction direction) {
        return shaped(direction).stats();
    }

    private ShapedDirection shaped(Direction direction) {
        return Objects.requireNonNull(direction, "direction") == Direction.UP ? up : down;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        up.close();
        down.close();
        for (Thread t : List.of(upReader, downReader)) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(2));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        clientSide.close();
        serverSide.close();
    }

    @Override
    public String toString() {
        return "TunLink[" + name + ", up " + up.profile() + ", down " + down.profile() + (isCut() ? ", cut" : "") + "]";
    }
}
