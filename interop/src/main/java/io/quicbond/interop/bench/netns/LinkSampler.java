package io.quicbond.interop.bench.netns;

import io.quicbond.interop.emulator.LinkEmulator.Direction;
import io.quicbond.interop.emulator.ip.NetnsLinks;
import io.quicbond.interop.emulator.ip.TunLink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads every link's delivered-byte counters each 100 ms (a platform thread of its own), and optionally cuts one
 * link a set time after the transfer has started (first 30 kB delivered upstream after {@link #start()}) and
 * restores it later, so that outages are timed from the transfer's start rather than from process launches.
 */
final class LinkSampler {
    static final double PERIOD_SECONDS = 0.1;
    private static final long START_THRESHOLD_BYTES = 30_000;

    /**
     * The samples: {@code times[k]} seconds after {@link #start()}, and per link the cumulative upstream and
     * downstream IP bytes delivered.
     */
    record Series(List<String> linkNames, List<Double> times, List<long[]> upBytes, List<long[]> downBytes) {
    }

    private final NetnsLinks links;
    private final List<Double> times = new ArrayList<>();
    private final List<long[]> up = new ArrayList<>();
    private final List<long[]> down = new ArrayList<>();
    private int cutLink = -1;
    private double cutAfter = Double.NaN;
    private double restoreAfter = Double.NaN;
    private volatile double startOffset = Double.NaN;
    private volatile boolean stopped;
    private Thread thread;

    LinkSampler(NetnsLinks links) {
        this.links = links;
    }

    /** Cuts link {@code index} (from 0) {@code cutAfter} s after the transfer starts; restores it at {@code restoreAfter} unless NaN. */
    void cutAfterStart(int index, double cutAfter, double restoreAfter) {
        this.cutLink = index;
        this.cutAfter = cutAfter;
        this.restoreAfter = restoreAfter;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("link-sampler").start(this::loop);
    }

    private void loop() {
        long t0 = System.nanoTime();
        long base = -1;
        boolean cut = false;
        boolean restored = false;
        int k = 0;
        while (!stopped) {
            long now = System.nanoTime();
            double t = (now - t0) / 1e9;
            long[] u = new long[links.links().size()];
            long[] d = new long[u.length];
            long sum = 0;
            for (int i = 0; i < u.length; i++) {
                TunLink l = links.links().get(i);
                u[i] = l.stats(Direction.UP).bytesDelivered();
                d[i] = l.stats(Direction.DOWN).bytesDelivered();
                sum += u[i];
            }
            synchronized (this) {
                times.add(t);
                up.add(u);
                down.add(d);
            }
            if (base < 0) {
                base = sum;
            } else if (Double.isNaN(startOffset) && sum - base > START_THRESHOLD_BYTES) {
                startOffset = t;
            }
            if (cutLink >= 0 && !Double.isNaN(startOffset)) {
                double since = t - startOffset;
                if (!cut && since >= cutAfter) {
                    links.links().get(cutLink).cut();
                    cut = true;
                }
                if (cut && !restored && !Double.isNaN(restoreAfter) && since >= restoreAfter) {
                    links.links().get(cutLink).restore();
                    restored = true;
                }
            }
            k++;
            long due = t0 + (long) (k * PERIOD_SECONDS * 1e9);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
        }
    }

    void stop() throws InterruptedException {
        stopped = true;
        if (thread != null) {
            thread.join(2000);
        }
    }

    /** Seconds from {@link #start()} to the transfer's first bytes, NaN if none came. */
    double startOffsetSeconds() {
        return startOffset;
    }

    synchronized Series series() {
        List<String> names = links.links().stream().map(TunLink::name).toList();
        return new Series(names, List.copyOf(times), List.copyOf(up), List.copyOf(down));
    }
}
