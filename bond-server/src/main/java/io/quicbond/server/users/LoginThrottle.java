package io.quicbond.server.users;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Limits failed logins per source address, so that guessing secrets, or making the server run PBKDF2 for
 * {@link UserStore#authenticate}, is slow and cheap to refuse. Each source has a bucket of
 * {@code maxFailuresPerMinute} failures that refills evenly over a minute; while it is empty, {@link #allowAttempt}
 * says no and the listener closes the connection without looking at the credentials. Successful logins cost
 * nothing and do not refill the bucket (a valid account must not unlock guessing at another).
 *
 * <p>Sources: an IPv4 address; for IPv6 its /64 prefix, since one subscriber usually holds a whole /64; an
 * IPv4-mapped IPv6 address counts as its IPv4 address.
 *
 * <p>Memory is bounded: a source is remembered only while its bucket is not full, and about
 * {@code maxTrackedSources} at once (racing threads may add a few more; forgotten sources are swept out at most
 * once a second). When that many sources are failing at the same time, further new sources are
 * not tracked (they are let through to {@link UserStore#authenticate}, whose PBKDF2 concurrency is bounded) rather
 * than locked out, so that an attacker with many addresses cannot deny logins to everyone else.
 *
 * <p>Thread-safe; called from the listeners' connection threads. Defaults: {@value #DEFAULT_MAX_FAILURES_PER_MINUTE}
 * failures per minute, {@value #DEFAULT_MAX_TRACKED_SOURCES} tracked sources, the system clock.
 */
public final class LoginThrottle {

    public static final int DEFAULT_MAX_FAILURES_PER_MINUTE = 20;
    public static final int DEFAULT_MAX_TRACKED_SOURCES = 100_000;

    private static final long WINDOW_NANOS = Duration.ofMinutes(1).toNanos();
    /** A clean-up walks every bucket; at most one per second, so that a full table cannot be made to spin. */
    private static final long SWEEP_INTERVAL_NANOS = Duration.ofSeconds(1).toNanos();

    private final int capacity;
    private final int maxTrackedSources;
    private final InstantSource clock;
    private final Instant epoch;
    private final ConcurrentHashMap<SourceKey, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweepNanos = Long.MIN_VALUE / 2;

    /** 20 failures per minute per source, with the system clock. */
    public LoginThrottle() {
        this(DEFAULT_MAX_FAILURES_PER_MINUTE, InstantSource.system());
    }

    /**
     * @param maxFailuresPerMinute failures a source may have in a burst and per minute; at least 1
     * @param clock                the time source, injectable for tests
     * @throws IllegalArgumentException if {@code maxFailuresPerMinute} is below 1
     */
    public LoginThrottle(int maxFailuresPerMinute, InstantSource clock) {
        this(maxFailuresPerMinute, DEFAULT_MAX_TRACKED_SOURCES, clock);
    }

    /**
     * @param maxTrackedSources sources remembered at once; at least 1
     * @throws IllegalArgumentException if a bound is below 1
     */
    public LoginThrottle(int maxFailuresPerMinute, int maxTrackedSources, InstantSource clock) {
        if (maxFailuresPerMinute < 1) {
            throw new IllegalArgumentException("maxFailuresPerMinute must be at least 1: " + maxFailuresPerMinute);
        }
        if (maxTrackedSources < 1) {
            throw new IllegalArgumentException("maxTrackedSources must be at least 1: " + maxTrackedSources);
        }
        this.capacity = maxFailuresPerMinute;
        this.maxTrackedSources = maxTrackedSources;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.epoch = clock.instant();
    }

    /** Whether {@code source} may try to log in now: false while it has used up its failures. */
    public boolean allowAttempt(InetAddress source) {
        Bucket bucket = buckets.get(SourceKey.of(source));
        if (bucket == null) {
            return true;
        }
        long now = nowNanos();
        synchronized (bucket) {
            return bucket.tokens(now, capacity) >= 1;
        }
    }

    /** Counts one failed login from {@code source}. */
    public void recordFailure(InetAddress source) {
        SourceKey key = SourceKey.of(source);
        long now = nowNanos();
        if (!buckets.containsKey(key) && buckets.size() >= maxTrackedSources) {
            forgetRefilled(now);
            if (buckets.size() >= maxTrackedSources) {
                return;
            }
        }
        buckets.compute(key, (k, bucket) -> {
            Bucket b = bucket == null ? new Bucket(capacity, now) : bucket;
            synchronized (b) {
                b.take(now, capacity);
            }
            return b;
        });
    }

    /** Sources remembered now (those with failures not yet refilled, until the next clean-up). */
    public int trackedSources() {
        return buckets.size();
    }

    /** Drops every source whose bucket has refilled: it carries no information any more. */
    private void forgetRefilled(long now) {
        if (now - lastSweepNanos < SWEEP_INTERVAL_NANOS) {
            return;
        }
        lastSweepNanos = now;
        buckets.entrySet().removeIf(entry -> {
            Bucket bucket = entry.getValue();
            synchronized (bucket) {
                return bucket.tokens(now, capacity) >= capacity;
            }
        });
    }

    private long nowNanos() {
        return Duration.between(epoch, clock.instant()).toNanos();
    }

    /** Failures left for one source, refilled continuously at {@code capacity} per minute. Guarded by itself. */
    private static final class Bucket {
        private double tokens;
        private long updatedNanos;

        Bucket(int capacity, long now) {
            this.tokens = capacity;
            this.updatedNanos = now;
        }

        double tokens(long now, int capacity) {
            if (now > updatedNanos) {
                tokens = Math.min(capacity, tokens + (double) (now - updatedNanos) * capacity / WINDOW_NANOS);
                updatedNanos = now;
            }
            return tokens;
        }

        void take(long now, int capacity) {
            tokens = Math.max(0, tokens(now, capacity) - 1);
        }
    }

    /** An IPv4 address, or the /64 prefix of an IPv6 address. */
    private record SourceKey(byte[] prefix) {
        static SourceKey of(InetAddress address) {
            Objects.requireNonNull(address, "source");
            byte[] bytes = address.getAddress();
            if (address instanceof Inet6Address && isIpv4Mapped(bytes)) {
                return new SourceKey(Arrays.copyOfRange(bytes, 12, 16));
            }
            if (address instanceof Inet4Address) {
                return new SourceKey(bytes);
            }
            return new SourceKey(Arrays.copyOf(bytes, 8));
        }

        private static boolean isIpv4Mapped(byte[] b) {
            for (int i = 0; i < 10; i++) {
                if (b[i] != 0) {
                    return false;
                }
            }
            return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SourceKey other && Arrays.equals(prefix, other.prefix);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(prefix);
        }
    }
}
