package io.quicbond.server.users;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.spec.InvalidKeySpecException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * The server's users and their secrets, kept in one JSON file ({@value #FILE_NAME}, see {@code UsersFile} for its
 * layout).
 *
 * <p><b>Secrets.</b> {@link #add} generates a user's secret: {@value #SECRET_BYTES} random bytes, shown once as
 * base64url without padding (43 characters; {@link #encodeSecret}/{@link #decodeSecret}). Only a hash is stored:
 * PBKDF2WithHmacSHA256 over the secret's base64url text, a random 16-byte salt, {@value #PBKDF2_ITERATIONS}
 * iterations. {@link #authenticate} takes the raw secret bytes, not the text.
 *
 * <p><b>Cost of a login.</b> PBKDF2 is slow on purpose, and a login must not be. Once a user's secret has been
 * verified (or generated) in this process, the store remembers its SHA-256; from then on every login of that user,
 * right or wrong, costs one SHA-256 and a constant-time comparison, since a user has exactly one secret. PBKDF2
 * runs only for a user not yet verified since start (or since the stored hash changed), and at most
 * {@code max(1, processors / 2)} PBKDF2 computations run at once, so a flood of guesses cannot take every core.
 * An unknown name fails at once, without PBKDF2: user names are not secret. Rate-limit failures per source with
 * {@link LoginThrottle}.
 *
 * <p><b>Files.</b> Every change is written to a temporary file in the same directory (mode 0600), forced to disk
 * and moved over {@value #FILE_NAME} atomically, so a crash leaves the old or the new file, never half of one.
 * A change is visible in memory only after it is on disk. The store does not watch the file: after another
 * process edits it, call {@link #reload}.
 *
 * <p><b>Threads.</b> Thread-safe. {@link #authenticate}, {@link #list}, {@link #get} and
 * {@link #findByVlessUuid} read an immutable snapshot without locking; changes and {@link #reload} are serialised.
 */
public final class UserStore {

    /** The conventional name of the store's file. */
    public static final String FILE_NAME = "users.json";
    /** Length of generated secrets, in bytes. */
    public static final int SECRET_BYTES = 32;
    /** PBKDF2 iterations for newly hashed secrets; stored per user, so changing it later keeps old hashes valid. */
    public static final int PBKDF2_ITERATIONS = 100_000;

    static final String ALGORITHM = "PBKDF2WithHmacSHA256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BYTES = 32;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final int iterations;
    private final SecureRandom random;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Semaphore pbkdf2Permits = new Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
    private final AtomicLong pbkdf2Computations = new AtomicLong();
    private volatile Snapshot snapshot = Snapshot.EMPTY;

    private UserStore(Path file, int iterations, SecureRandom random) {
        this.file = file;
        this.iterations = iterations;
        this.random = random;
    }

    /**
     * Opens the store kept in {@code file}, reading it if it exists; if it does not, the store starts empty and
     * the file is created by the first change.
     *
     * @throws IOException if the file exists but cannot be read or is not a valid users file; the message says
     *                     which user and field is wrong
     */
    public static UserStore open(Path file) throws IOException {
        return open(file, PBKDF2_ITERATIONS, new SecureRandom());
    }

    /** For tests: fewer iterations keep a test suite fast without changing what is tested. */
    static UserStore open(Path file, int iterations, SecureRandom random) throws IOException {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        UserStore store = new UserStore(Objects.requireNonNull(file, "file"), iterations, random);
        store.reload();
        return store;
    }

    /** The file this store reads and writes. */
    public Path file() {
        return file;
    }

    /** {@link #add(String, UserLimits)} with {@link UserLimits#DEFAULTS}. */
    public String add(String name) throws IOException {
        return add(name, UserLimits.DEFAULTS);
    }

    /**
     * Adds a user with a freshly generated secret and no VLESS UUID, and saves the store.
     *
     * @return the secret as base64url without padding; it is not stored and cannot be shown again
     * @throws IllegalArgumentException if the name is invalid or taken
     * @throws IOException              if the file cannot be written (the user is then not added)
     */
    public String add(String name, UserLimits limits) throws IOException {
        requireValidName(name);
        Objects.requireNonNull(limits, "limits");
        return change(accounts -> {
            if (accounts.containsKey(name)) {
                throw new IllegalArgumentException("user '" + name + "' already exists");
            }
            byte[] secret = randomBytes(SECRET_BYTES);
            accounts.put(name, Account.withSecret(new User(name, Optional.empty(), limits), hash(secret), secret));
            return encodeSecret(secret);
        });
    }

    /**
     * Replaces a user's secret with a new one; the old one stops working at once.
     *
     * @return the new secret as base64url without padding
     * @throws IllegalArgumentException if there is no such user
     * @throws IOException              if the file cannot be written (the old secret then stays valid)
     */
    public String resetSecret(String name) throws IOException {
        return change(accounts -> {
            Account account = existing(accounts, name);
            byte[] secret = randomBytes(SECRET_BYTES);
            accounts.put(name, Account.withSecret(account.user, hash(secret), secret));
            return encodeSecret(secret);
        });
    }

    /**
     * Removes a user; their secret and VLESS UUID stop working at once (sessions already open are not closed here).
     *
     * @return whether the user existed
     * @throws IOException if the file cannot be written (the user then stays)
     */
    public boolean remove(String name) throws IOException {
        if (name == null || !snapshot.byName.containsKey(name)) {
            return false;
        }
        return change(accounts -> accounts.remove(name) != null);
    }

    /**
     * Gives a user a new random VLESS UUID for compat-mode access, replacing any previous one.
     *
     * @throws IllegalArgumentException if there is no such user
     */
    public UUID enableVless(String name) throws IOException {
        return change(accounts -> {
            Account account = existing(accounts, name);
            UUID uuid = UUID.randomUUID();
            accounts.put(name, account.withUser(new User(name, Optional.of(uuid), account.user.limits())));
            return uuid;
        });
    }

    /**
     * Gives a user this VLESS UUID (e.g. the one their BSBF router already uses), replacing any previous one.
     *
     * @throws IllegalArgumentException if there is no such user, or another user has this UUID
     */
    public void setVlessUuid(String name, UUID uuid) throws IOException {
        Objects.requireNonNull(uuid, "uuid");
        change(accounts -> {
            Account account = existing(accounts, name);
            for (Account other : accounts.values()) {
                if (!other.user.name().equals(name) && other.user.vlessUuid().equals(Optional.of(uuid))) {
                    throw new IllegalArgumentException("VLESS UUID " + uuid + " belongs to '" + other.user.name() + "'");
                }
            }
            accounts.put(name, account.withUser(new User(name, Optional.of(uuid), account.user.limits())));
            return null;
        });
    }

    /**
     * Removes a user's VLESS UUID, closing compat-mode access.
     *
     * @throws IllegalArgumentException if there is no such user
     */
    public void disableVless(String name) throws IOException {
        change(accounts -> {
            Account account = existing(accounts, name);
            accounts.put(name, account.withUser(new User(name, Optional.empty(), account.user.limits())));
            return null;
        });
    }

    /**
     * Replaces a user's limits.
     *
     * @throws IllegalArgumentException if there is no such user
     */
    public void setLimits(String name, UserLimits limits) throws IOException {
        Objects.requireNonNull(limits, "limits");
        change(accounts -> {
            Account account = existing(accounts, name);
            accounts.put(name, account.withUser(new User(name, account.user.vlessUuid(), limits)));
            return null;
        });
    }

    /** All users, sorted by name. */
    public List<User> list() {
        return snapshot.users;
    }

    public Optional<User> get(String name) {
        Account account = name == null ? null : snapshot.byName.get(name);
        return account == null ? Optional.empty() : Optional.of(account.user);
    }

    /** The user whose VLESS UUID this is, for compat-mode logins. */
    public Optional<User> findByVlessUuid(UUID uuid) {
        return Optional.ofNullable(uuid == null ? null : snapshot.byVlessUuid.get(uuid));
    }

    /**
     * Checks a login. Costs one SHA-256 for a user verified before in this process, whether the secret is right or
     * wrong; otherwise one PBKDF2 computation, which may wait for a free PBKDF2 slot (see the class comment).
     * Never throws for bad input: null, an unknown name or a wrong secret give an empty result.
     *
     * @param secret the raw secret bytes ({@link #decodeSecret} of the text the user was given)
     * @return the user when the secret is theirs; empty otherwise, or if the thread was interrupted while waiting
     *         (the interrupt status is kept)
     */
    public Optional<User> authenticate(String name, byte[] secret) {
        if (name == null || secret == null) {
            return Optional.empty();
        }
        Account account = snapshot.byName.get(name);
        if (account == null) {
            return Optional.empty();
        }
        byte[] digest = sha256(secret);
        byte[] verified = account.verifiedDigest;
        if (verified != null) {
            // A user has one secret, and this is the SHA-256 of the one that passed PBKDF2: anything else is wrong.
            return MessageDigest.isEqual(verified, digest) ? Optional.of(account.user) : Optional.empty();
        }
        byte[] computed;
        try {
            pbkdf2Permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        try {
            pbkdf2Computations.incrementAndGet();
            computed = pbkdf2(secret, account.hash.salt, account.hash.iterations);
        } finally {
            pbkdf2Permits.release();
        }
        if (!MessageDigest.isEqual(account.hash.hash, computed)) {
            return Optional.empty();
        }
        account.verifiedDigest = digest;
        return Optional.of(account.user);
    }

    /**
     * Re-reads the file, replacing the users in memory; a missing file means no users. Users whose stored hash
     * did not change keep their verified-login shortcut.
     *
     * @throws IOException if the file cannot be read or is invalid; the users in memory are then unchanged
     */
    public void reload() throws IOException {
        writeLock.lock();
        try {
            Map<String, Account> accounts = read();
            Snapshot previous = snapshot;
            for (Account account : accounts.values()) {
                Account old = previous.byName.get(account.user.name());
                if (old != null && old.hash.equals(account.hash)) {
                    account.verifiedDigest = old.verifiedDigest;
                }
            }
            snapshot = Snapshot.of(accounts);
        } finally {
            writeLock.unlock();
        }
    }

    /** Base64url without padding, the form in which secrets are shown and configured. */
    public static String encodeSecret(byte[] secret) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /**
     * Decodes a secret as shown by {@link #add}.
     *
     * @throws IllegalArgumentException if {@code text} is not base64url without padding
     */
    public static byte[] decodeSecret(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty() || text.indexOf('=') >= 0) {
            throw new IllegalArgumentException("a secret is base64url without padding");
        }
        try {
            return Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a secret is base64url without padding: " + e.getMessage(), e);
        }
    }

    /** @throws IllegalArgumentException unless {@code name} is 1..64 characters of {@code [A-Za-z0-9._-]} */
    static void requireValidName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            String shown = name == null ? "null" : "'" + (name.length() > 70 ? name.substring(0, 70) + "…" : name) + "'";
            throw new IllegalArgumentException(
                    "a user name is 1..64 characters of letters, digits, '.', '_' and '-', got " + shown);
        }
    }

    /** How many PBKDF2 computations {@link #authenticate} has run; for tests of the verified-login shortcut. */
    long pbkdf2Computations() {
        return pbkdf2Computations.get();
    }

    private interface Change<T> {
        T apply(Map<String, Account> accounts) throws IOException;
    }

    /** Applies a change to a copy of the users, writes it to disk, and only then makes it visible. */
    private <T> T change(Change<T> change) throws IOException {
        writeLock.lock();
        try {
            Map<String, Account> accounts = new TreeMap<>(snapshot.byName);
            T result = change.apply(accounts);
            Snapshot next = Snapshot.of(accounts);
            write(next);
            snapshot = next;
            return result;
        } finally {
            writeLock.unlock();
        }
    }

    private static Account existing(Map<String, Account> accounts, String name) {
        Account account = name == null ? null : accounts.get(name);
        if (account == null) {
            throw new IllegalArgumentException("no user '" + name + "'");
        }
        return account;
    }

    private Map<String, Account> read() throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        }
        UsersFile parsed;
        try {
            parsed = JSON.readValue(bytes, UsersFile.class);
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": not a valid users file: " + e.getOriginalMessage(), e);
        }
        if (parsed == null) {
            throw new IOException(file + ": empty");
        }
        if (!Objects.equals(parsed.version(), UsersFile.CURRENT_VERSION)) {
            throw new IOException(file + ": unsupported version " + parsed.version() + ", expected "
                    + UsersFile.CURRENT_VERSION);
        }
        Map<String, Account> accounts = new TreeMap<>();
        Map<UUID, String> uuids = new HashMap<>();
        List<UsersFile.Entry> entries = parsed.users() == null ? List.of() : parsed.users();
        for (int i = 0; i < entries.size(); i++) {
            UsersFile.Entry entry = entries.get(i);
            String where = entry != null && entry.name() != null && NAME.matcher(entry.name()).matches()
                    ? file + ": user '" + entry.name() + "'"
                    : file + ": users[" + i + "]";
            try {
                Account account = fromEntry(entry);
                if (accounts.putIfAbsent(account.user.name(), account) != null) {
                    throw new IllegalArgumentException("appears twice");
                }
                Optional<UUID> uuid = account.user.vlessUuid();
                if (uuid.isPresent() && uuids.putIfAbsent(uuid.get(), account.user.name()) != null) {
                    throw new IllegalArgumentException("vless_uuid is also used by '" + uuids.get(uuid.get()) + "'");
                }
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IOException(where + ": " + e.getMessage(), e);
            }
        }
        return accounts;
    }

    private static Account fromEntry(UsersFile.Entry entry) {
        if (entry == null) {
            throw new IllegalArgumentException("null entry");
        }
        requireValidName(entry.name());
        UsersFile.SecretHash stored = entry.secretHash();
        if (stored == null) {
            throw new IllegalArgumentException("secret_hash is missing");
        }
        if (!ALGORITHM.equals(stored.algorithm())) {
            throw new IllegalArgumentException("secret_hash.algorithm must be " + ALGORITHM + ", got " + stored.algorithm());
        }
        if (stored.iterations() == null || stored.iterations() < 1) {
            throw new IllegalArgumentException("secret_hash.iterations must be positive, got " + stored.iterations());
        }
        byte[] salt = base64(stored.salt(), "secret_hash.salt");
        byte[] hash = base64(stored.hash(), "secret_hash.hash");
        if (salt.length < 8) {
            throw new IllegalArgumentException("secret_hash.salt must be at least 8 bytes, got " + salt.length);
        }
        if (hash.length != HASH_BYTES) {
            throw new IllegalArgumentException("secret_hash.hash must be " + HASH_BYTES + " bytes, got " + hash.length);
        }
        Optional<UUID> uuid;
        try {
            uuid = entry.vlessUuid() == null ? Optional.empty() : Optional.of(UUID.fromString(entry.vlessUuid()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("vless_uuid is not a UUID: " + entry.vlessUuid());
        }
        UsersFile.Limits limits = entry.limits();
        // One step fills defaults for absent fields, then the UserLimits constructor validates.
        UserLimits filled = limits == null ? UserLimits.DEFAULTS : new UserLimits(
                limits.maxSessions() == null ? UserLimits.DEFAULT_MAX_SESSIONS : limits.maxSessions(),
                limits.maxFlowsPerSession() == null ? UserLimits.DEFAULT_MAX_FLOWS_PER_SESSION : limits.maxFlowsPerSession(),
                limits.rateLimitBitsPerSecond() == null
                        ? UserLimits.DEFAULT_RATE_LIMIT_BITS_PER_SECOND : limits.rateLimitBitsPerSecond());
        return new Account(new User(entry.name(), uuid, filled), new StoredHash(stored.iterations(), salt, hash));
    }

    private void write(Snapshot next) throws IOException {
        List<UsersFile.Entry> entries = new ArrayList<>();
        for (Account account : next.byName.values()) {
            User user = account.user;
            UserLimits limits = user.limits();
            entries.add(new UsersFile.Entry(user.name(),
                    new UsersFile.SecretHash(ALGORITHM, account.hash.iterations,
                            Base64.getEncoder().encodeToString(account.hash.salt),
                            Base64.getEncoder().encodeToString(account.hash.hash)),
                    user.vlessUuid().map(UUID::toString).orElse(null),
                    new UsersFile.Limits(limits.maxSessions(), limits.maxFlowsPerSession(),
                            limits.rateLimitBitsPerSecond())));
        }
        byte[] json = (JSON.writeValueAsString(new UsersFile(UsersFile.CURRENT_VERSION, entries)) + "\n")
                .getBytes(StandardCharsets.UTF_8);

        Path directory = file.toAbsolutePath().getParent();
        Files.createDirectories(directory);
        boolean posix = Files.getFileStore(directory).supportsFileAttributeView("posix");
        // On POSIX file systems createTempFile makes the file 0600 before anything is written to it.
        Path temp = Files.createTempFile(directory, "." + file.getFileName(), ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(json);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            if (posix) {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private StoredHash hash(byte[] secret) {
        byte[] salt = randomBytes(SALT_BYTES);
        return new StoredHash(iterations, salt, pbkdf2(secret, salt, iterations));
    }

    private static byte[] pbkdf2(byte[] secret, byte[] salt, int rounds) {
        // PBEKeySpec takes characters; the secret's base64url text is its canonical, ASCII-only spelling.
        char[] password = encodeSecret(secret).toCharArray();
        PBEKeySpec spec = new PBEKeySpec(password, salt, rounds, HASH_BYTES * 8);
        try {
            return SecretKeyFactory.getInstance(ALGORITHM).generateSecret(spec).getEncoded();
        } catch (InvalidKeySpecException e) {
            throw new IllegalStateException("PBKDF2 rejected its parameters", e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java platform must provide " + ALGORITHM, e);
        } finally {
            spec.clearPassword();
            Arrays.fill(password, '\0');
        }
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] base64(String text, String field) {
        if (text == null) {
            throw new IllegalArgumentException(field + " is missing");
        }
        try {
            return Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " is not base64");
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    private record StoredHash(int iterations, byte[] salt, byte[] hash) {
        @Override
        public boolean equals(Object o) {
            return o instanceof StoredHash other && iterations == other.iterations
                    && Arrays.equals(salt, other.salt) && Arrays.equals(hash, other.hash);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(salt) + Arrays.hashCode(hash);
        }
    }

    /** A user with their stored hash; the one mutable field is the verified-login shortcut. */
    private static final class Account {
        final User user;
        final StoredHash hash;
        /** SHA-256 of the secret once it has passed PBKDF2 (or was generated here); null until then. */
        volatile byte[] verifiedDigest;

        Account(User user, StoredHash hash) {
            this.user = user;
            this.hash = hash;
        }

        static Account withSecret(User user, StoredHash hash, byte[] secret) {
            Account account = new Account(user, hash);
            account.verifiedDigest = sha256(secret);
            return account;
        }

        Account withUser(User changed) {
            Account account = new Account(changed, hash);
            account.verifiedDigest = verifiedDigest;
            return account;
        }
    }

    private record Snapshot(Map<String, Account> byName, Map<UUID, User> byVlessUuid, List<User> users) {
        static final Snapshot EMPTY = new Snapshot(Map.of(), Map.of(), List.of());

        static Snapshot of(Map<String, Account> accounts) {
            Map<String, Account> byName = Collections.unmodifiableMap(new TreeMap<>(accounts));
            Map<UUID, User> byUuid = new HashMap<>();
            List<User> users = new ArrayList<>();
            for (Account account : byName.values()) {
                users.add(account.user);
                account.user.vlessUuid().ifPresent(uuid -> byUuid.put(uuid, account.user));
            }
            return new Snapshot(byName, Map.copyOf(byUuid), List.copyOf(users));
        }
    }
}
