package io.quicbond.server.auth;

import io.quicbond.server.users.LoginThrottle;
import io.quicbond.server.users.User;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.session.SessionAuthenticator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bond's logins checked against a {@link UserStore}, with failures limited per source by a
 * {@link LoginThrottle}: a source that has used up its failures is refused without looking at the secret.
 *
 * <p>The users file may be changed by another process ({@code bond-server user add/remove}) while the server runs.
 * {@link #reloadIfChanged()} compares the file's modification time, size and identity (inode) with what was last
 * read, and reloads the store when they differ; it does the comparison at most once per {@link #CHECK_INTERVAL}, so
 * it is cheap to call on every login, and {@link #authenticate} does. A login about to fail looks at the file once
 * more regardless of the interval (one stat), so that a user added a moment ago gets in at the first try. Users
 * that a reload removed are passed to the {@code onRemoved} callback (the server ends their sessions). A file that
 * fails to load is logged once and the users in memory stay as they were.
 *
 * <p>Thread-safe: {@link #authenticate} runs on the bond server's per-connection login threads; reloads are
 * serialised, and a thread that finds another reloading does not wait. Never throws from {@link #authenticate}.
 */
public final class UserStoreAuthenticator implements SessionAuthenticator {

    private static final Logger LOG = Logger.getLogger(UserStoreAuthenticator.class.getName());
    /** The users file is looked at no more often than this. */
    public static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

    private final UserStore store;
    private final LoginThrottle throttle;
    private final InstantSource clock;
    private final Consumer<String> onRemoved;
    private final ReentrantLock reloading = new ReentrantLock();
    private volatile Instant nextCheck;
    private volatile Stamp stamp;

    /**
     * @param onRemoved called with the name of each user a reload removed, on the thread that reloaded
     * @throws IOException if the users file exists but its attributes cannot be read
     */
    public UserStoreAuthenticator(UserStore store, LoginThrottle throttle, InstantSource clock,
                                  Consumer<String> onRemoved) throws IOException {
        this.store = Objects.requireNonNull(store, "store");
        this.throttle = Objects.requireNonNull(throttle, "throttle");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.onRemoved = Objects.requireNonNull(onRemoved, "onRemoved");
        this.stamp = Stamp.of(store.file());
        this.nextCheck = clock.instant().plus(CHECK_INTERVAL);
    }

    @Override
    public Optional<AuthenticatedUser> authenticate(String user, byte[] secret, InetSocketAddress from) {
        InetAddress source = from == null ? null : from.getAddress();
        if (source != null && !throttle.allowAttempt(source)) {
            LOG.fine(() -> "login as " + user + " from " + from + " refused unchecked: too many failures");
            return Optional.empty();
        }
        reloadIfChanged();
        Optional<User> found = store.authenticate(user, secret);
        // A user added a moment ago must not be refused (a refused client backs off for long): before failing, look
        // at the file once more. That costs a stat per failed login; a reload happens only when the file changed.
        if (found.isEmpty() && reload(true)) {
            found = store.authenticate(user, secret);
        }
        if (found.isEmpty()) {
            if (source != null) {
                throttle.recordFailure(source);
            }
            return Optional.empty();
        }
        User u = found.get();
        return Optional.of(new AuthenticatedUser(u.name(), u.limits().maxSessions(), u.limits().maxFlowsPerSession()));
    }

    /**
     * Reloads the store if the users file changed since it was last read, at most once per {@link #CHECK_INTERVAL}
     * (calls in between return at once). Never throws; problems are logged.
     *
     * @return whether the store was reloaded
     */
    public boolean reloadIfChanged() {
        return reload(false);
    }

    private boolean reload(boolean force) {
        Instant now = clock.instant();
        if (!force && now.isBefore(nextCheck)) {
            return false;
        }
        if (!reloading.tryLock()) {
            return false;
        }
        try {
            if (!force && now.isBefore(nextCheck)) {
                return false;
            }
            nextCheck = now.plus(CHECK_INTERVAL);
            Stamp current;
            try {
                current = Stamp.of(store.file());
            } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot look at the users file " + store.file() + ": " + e);
                return false;
            }
            if (current.equals(stamp)) {
                return false;
            }
            stamp = current;
            Set<String> before = names();
            try {
                store.reload();
            } catch (IOException e) {
                LOG.warning("users file " + store.file() + " changed but cannot be loaded; keeping the "
                        + before.size() + " users from before: " + e.getMessage());
                return false;
            }
            Set<String> after = names();
            Set<String> removed = new HashSet<>(before);
            removed.removeAll(after);
            Set<String> added = new HashSet<>(after);
            added.removeAll(before);
            LOG.info("users file reloaded: " + after.size() + " users"
                    + (added.isEmpty() ? "" : ", added " + String.join(", ", added.stream().sorted().toList()))
                    + (removed.isEmpty() ? "" : ", removed " + String.join(", ", removed.stream().sorted().toList())));
            for (String name : removed) {
                try {
                    onRemoved.accept(name);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "ending the sessions of removed user " + name + " failed", e);
                }
            }
            return true;
        } finally {
            reloading.unlock();
        }
    }

    private Set<String> names() {
        Set<String> names = new HashSet<>();
        store.list().forEach(u -> names.add(u.name()));
        return names;
    }

    /** What identifies one version of the file: {@code UserStore} replaces it by a rename, so the inode changes too. */
    private record Stamp(boolean exists, FileTime modified, long size, Object fileKey) {
        static Stamp of(Path file) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(true, a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (NoSuchFileException e) {
                return new Stamp(false, null, -1, null);
            }
        }
    }
}
