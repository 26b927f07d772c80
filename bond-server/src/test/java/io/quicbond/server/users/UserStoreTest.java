package io.quicbond.server.users;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserStoreTest {

    /** Few iterations keep the suite fast; one test below uses the real default. */
    private static final int TEST_ITERATIONS = 1_000;

    @TempDir
    Path dir;

    private UserStore open() throws IOException {
        return UserStore.open(dir.resolve("users.json"), TEST_ITERATIONS, new SecureRandom());
    }

    @Test
    void addedUserLogsInWithTheGeneratedSecret() throws Exception {
        UserStore store = open();
        String secret = store.add("alice");

        assertTrue(secret.matches("[A-Za-z0-9_-]{43}"), secret);
        assertEquals(32, UserStore.decodeSecret(secret).length);
        User alice = store.authenticate("alice", UserStore.decodeSecret(secret)).orElseThrow();
        assertEquals(new User("alice", Optional.empty(), UserLimits.DEFAULTS), alice);
        assertEquals(0, store.pbkdf2Computations(), "a secret generated here is known without PBKDF2");
    }

    @Test
    void wrongSecretIsRejectedBeforeAndAfterVerification() throws Exception {
        String secret = open().add("alice");
        byte[] wrong = UserStore.decodeSecret(secret);
        wrong[0] ^= 1;
        UserStore store = open();

        assertEquals(Optional.empty(), store.authenticate("alice", wrong), "slow path, nothing verified yet");
        assertEquals(1, store.pbkdf2Computations());
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());
        assertEquals(2, store.pbkdf2Computations());
        assertEquals(Optional.empty(), store.authenticate("alice", wrong), "fast path after verification");
        assertEquals(Optional.empty(), store.authenticate("alice", new byte[0]));
        assertEquals(Optional.empty(), store.authenticate("alice", secret.getBytes(StandardCharsets.US_ASCII)),
                "the text form is not the secret");
        assertEquals(2, store.pbkdf2Computations(), "wrong secrets of a verified user cost one SHA-256");
    }

    @Test
    void repeatedLoginsOfAKnownSecretCostNoPbkdf2() throws Exception {
        String secret = open().add("alice");
        UserStore store = open();
        for (int i = 0; i < 100; i++) {
            assertTrue(store.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());
        }
        assertEquals(1, store.pbkdf2Computations());
    }

    @Test
    void unknownUserIsRejectedWithoutPbkdf2() throws Exception {
        UserStore store = open();
        String secret = store.add("alice");
        assertEquals(Optional.empty(), store.authenticate("bob", UserStore.decodeSecret(secret)));
        assertEquals(Optional.empty(), store.authenticate(null, UserStore.decodeSecret(secret)));
        assertEquals(Optional.empty(), store.authenticate("alice", null));
        assertEquals(Optional.empty(), store.authenticate("x".repeat(10_000), new byte[32]));
        assertEquals(0, store.pbkdf2Computations());
    }

    @Test
    void storedHashIsPbkdf2WithHmacSha256With100kIterationsAndA16ByteSalt() throws Exception {
        Path file = dir.resolve("users.json");
        String secret = UserStore.open(file).add("alice");

        JsonNode hash = new ObjectMapper().readTree(file.toFile()).get("users").get(0).get("secret_hash");
        assertEquals("PBKDF2WithHmacSHA256", hash.get("algorithm").asText());
        assertEquals(100_000, hash.get("iterations").asInt());
        byte[] salt = Base64.getDecoder().decode(hash.get("salt").asText());
        assertEquals(16, salt.length);
        byte[] expected = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256")
                .generateSecret(new PBEKeySpec(secret.toCharArray(), salt, 100_000, 256)).getEncoded();
        assertArrayEquals(expected, Base64.getDecoder().decode(hash.get("hash").asText()));

        UserStore reopened = UserStore.open(file);
        assertTrue(reopened.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());
        assertFalse(reopened.authenticate("alice", new byte[32]).isPresent());
    }

    @Test
    void usersSurviveAReopen() throws Exception {
        UserStore store = open();
        String aliceSecret = store.add("alice", new UserLimits(2, 100, 50_000_000));
        String bobSecret = store.add("bob");
        UUID bobUuid = store.enableVless("bob");

        UserStore reopened = open();
        assertEquals(store.list(), reopened.list());
        assertEquals(List.of(new User("alice", Optional.empty(), new UserLimits(2, 100, 50_000_000)),
                new User("bob", Optional.of(bobUuid), UserLimits.DEFAULTS)), reopened.list());
        assertEquals("alice", reopened.authenticate("alice", UserStore.decodeSecret(aliceSecret)).orElseThrow().name());
        assertEquals("bob", reopened.authenticate("bob", UserStore.decodeSecret(bobSecret)).orElseThrow().name());
        assertEquals(Optional.empty(), reopened.authenticate("bob", UserStore.decodeSecret(aliceSecret)));
        assertEquals("bob", reopened.findByVlessUuid(bobUuid).orElseThrow().name());
    }

    @Test
    void fileIsSnakeCaseJsonWithoutSecretsReadableOnlyByItsOwner() throws Exception {
        UserStore store = open();
        String secret = store.add("alice");
        store.enableVless("alice");
        Path file = dir.resolve("users.json");

        String json = Files.readString(file);
        assertFalse(json.contains(secret), "the secret itself is never stored");
        JsonNode user = new ObjectMapper().readTree(json).get("users").get(0);
        assertEquals(1, new ObjectMapper().readTree(json).get("version").asInt());
        assertTrue(user.has("secret_hash") && user.has("vless_uuid"), json);
        JsonNode limits = user.get("limits");
        assertEquals(4, limits.get("max_sessions").asInt());
        assertEquals(4096, limits.get("max_flows_per_session").asInt());
        assertEquals(0, limits.get("rate_limit_bits_per_second").asLong());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left behind");
        }
    }

    @Test
    void replacingTheFileKeepsItPrivate() throws Exception {
        UserStore store = open();
        store.add("alice");
        Path file = dir.resolve("users.json");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        store.add("bob");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void removedUserCannotLogInEvenWithACachedSecret() throws Exception {
        UserStore store = open();
        String secret = store.add("alice");
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());

        assertTrue(store.remove("alice"));
        assertFalse(store.remove("alice"));
        assertEquals(Optional.empty(), store.authenticate("alice", UserStore.decodeSecret(secret)));
        assertEquals(List.of(), open().list());
    }

    @Test
    void resetSecretRevokesTheOldOne() throws Exception {
        UserStore store = open();
        String old = store.add("alice");
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(old)).isPresent());

        String fresh = store.resetSecret("alice");
        assertEquals(Optional.empty(), store.authenticate("alice", UserStore.decodeSecret(old)));
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(fresh)).isPresent());
        assertEquals(Optional.empty(), open().authenticate("alice", UserStore.decodeSecret(old)));
    }

    @Test
    void vlessUuidCanBeEnabledReplacedAndDisabled() throws Exception {
        UserStore store = open();
        store.add("alice");
        assertEquals(Optional.empty(), store.get("alice").orElseThrow().vlessUuid());
        UUID first = store.enableVless("alice");
        UUID second = store.enableVless("alice");

        assertEquals(Optional.empty(), store.findByVlessUuid(first), "replaced");
        assertEquals(Optional.of(second), store.findByVlessUuid(second).orElseThrow().vlessUuid());
        store.disableVless("alice");
        assertEquals(Optional.empty(), store.findByVlessUuid(second));
        assertEquals(Optional.empty(), open().get("alice").orElseThrow().vlessUuid());
    }

    @Test
    void limitsCanBeChangedAndKeepTheSecret() throws Exception {
        UserStore store = open();
        String secret = store.add("alice");
        store.setLimits("alice", new UserLimits(1, 10, 1_000_000));
        assertEquals(new UserLimits(1, 10, 1_000_000), open().get("alice").orElseThrow().limits());
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());
        assertEquals(0, store.pbkdf2Computations());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " alice", "alice ", "al ice", "alice/..", "ali:ce", "äpfel", "a\nb",
            "12345678901234567890123456789012345678901234567890123456789012345"})
    void rejectsInvalidNames(String name) throws Exception {
        UserStore store = open();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.add(name));
        assertTrue(e.getMessage().startsWith("a user name is 1..64 characters"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("users.json")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "alice", "Alice.B_c-9", "1234567890123456789012345678901234567890123456789012345678901234"})
    void acceptsValidNames(String name) throws Exception {
        UserStore store = open();
        String secret = store.add(name);
        assertTrue(open().authenticate(name, UserStore.decodeSecret(secret)).isPresent());
    }

    @Test
    void rejectsDuplicatesAndChangesToUnknownUsers() throws Exception {
        UserStore store = open();
        store.add("alice");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.add("alice"));
        assertEquals("user 'alice' already exists", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> store.resetSecret("bob"));
        assertThrows(IllegalArgumentException.class, () -> store.enableVless("bob"));
        assertThrows(IllegalArgumentException.class, () -> store.setLimits("bob", UserLimits.DEFAULTS));
    }

    @Test
    void limitsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> new UserLimits(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new UserLimits(1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new UserLimits(1, 1, -1));
        assertFalse(UserLimits.DEFAULTS.isRateLimited());
        assertTrue(new UserLimits(1, 1, 1).isRateLimited());
    }

    @Test
    void reloadPicksUpChangesMadeByAnotherProcess() throws Exception {
        UserStore server = open();
        String aliceSecret = server.add("alice");
        assertTrue(server.authenticate("alice", UserStore.decodeSecret(aliceSecret)).isPresent());

        UserStore cli = open();
        String bobSecret = cli.add("bob");
        cli.setLimits("alice", new UserLimits(1, 1, 0));
        assertEquals(Optional.empty(), server.authenticate("bob", UserStore.decodeSecret(bobSecret)));

        server.reload();
        assertTrue(server.authenticate("bob", UserStore.decodeSecret(bobSecret)).isPresent());
        assertEquals(new UserLimits(1, 1, 0), server.get("alice").orElseThrow().limits());
        long before = server.pbkdf2Computations();
        assertTrue(server.authenticate("alice", UserStore.decodeSecret(aliceSecret)).isPresent());
        assertEquals(before, server.pbkdf2Computations(), "alice's hash is unchanged, so is her verified secret");
    }

    @Test
    void missingLimitFieldsTakeTheirDefaults() throws Exception {
        Path file = dir.resolve("users.json");
        String secret = open().add("alice");
        JsonNode root = new ObjectMapper().readTree(file.toFile());
        var user = (com.fasterxml.jackson.databind.node.ObjectNode) root.get("users").get(0);
        user.putObject("limits").put("max_sessions", 9);
        Files.writeString(file, root.toString());

        UserStore store = open();
        assertEquals(new UserLimits(9, 4096, 0), store.get("alice").orElseThrow().limits());
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());
        user.remove("limits");
        Files.writeString(file, root.toString());
        store.reload();
        assertEquals(UserLimits.DEFAULTS, store.get("alice").orElseThrow().limits());
    }

    @Test
    void aBrokenFileIsReportedAndLeavesTheUsersInMemoryAlone() throws Exception {
        UserStore store = open();
        String secret = store.add("alice");
        Path file = dir.resolve("users.json");
        String good = Files.readString(file);

        Files.writeString(file, good.replace("\"max_sessions\" : 4", "\"max_sessions\" : 0"));
        IOException e = assertThrows(IOException.class, store::reload);
        assertTrue(e.getMessage().contains("user 'alice'") && e.getMessage().contains("max_sessions"), e.getMessage());
        assertTrue(store.authenticate("alice", UserStore.decodeSecret(secret)).isPresent());

        Files.writeString(file, "{\"version\": 1, \"users\": [");
        assertThrows(IOException.class, store::reload);
        Files.writeString(file, good.replace("\"version\" : 1", "\"version\" : 2"));
        e = assertThrows(IOException.class, store::reload);
        assertTrue(e.getMessage().contains("unsupported version 2"), e.getMessage());
        Files.writeString(file, good.replace("\"name\" : \"alice\"", "\"name\" : \"al ice\""));
        assertThrows(IOException.class, store::reload);
        Files.writeString(file, good.replace("\"users\" : [", "\"users\" : [ " + userJson(good) + ","));
        e = assertThrows(IOException.class, store::reload);
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());
        assertEquals(List.of("alice"), store.list().stream().map(User::name).toList());
    }

    @Test
    void aFailedWriteChangesNothing() throws Exception {
        UserStore store = open();
        // A directory where the file should go: the atomic move cannot replace it.
        Files.createDirectories(dir.resolve("users.json").resolve("blocker"));
        assertThrows(IOException.class, () -> store.add("alice"));
        assertEquals(List.of(), store.list());
        assertEquals(Optional.empty(), store.get("alice"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "the temporary file was removed");
        }
    }

    @Test
    void secretsDecodeOnlyFromBase64UrlWithoutPadding() {
        byte[] bytes = new byte[32];
        bytes[0] = (byte) 0xfb;
        bytes[1] = (byte) 0xff;
        String text = UserStore.encodeSecret(bytes);
        assertFalse(text.contains("+") || text.contains("/") || text.contains("="), text);
        assertArrayEquals(bytes, UserStore.decodeSecret(text));
        assertThrows(IllegalArgumentException.class, () -> UserStore.decodeSecret(""));
        assertThrows(IllegalArgumentException.class, () -> UserStore.decodeSecret(text + "="));
        assertThrows(IllegalArgumentException.class, () -> UserStore.decodeSecret("+/+/"));
        assertThrows(IllegalArgumentException.class, () -> UserStore.decodeSecret("not base64!"));
    }

    @Test
    void concurrentLoginsGetTheRightAnswers() throws Exception {
        UserStore setup = open();
        List<String> names = List.of("alice", "bob", "carol", "dave");
        List<byte[]> secrets = new ArrayList<>();
        for (String name : names) {
            secrets.add(UserStore.decodeSecret(setup.add(name)));
        }
        UserStore store = open();
        int threads = 16;
        int rounds = 300;
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int seed = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int wrongAnswers = 0;
                    for (int i = 0; i < rounds; i++) {
                        int user = (seed + i) % names.size();
                        int claimed = (i % 3 == 0) ? (user + 1) % names.size() : user;
                        Optional<User> result = store.authenticate(names.get(user), secrets.get(claimed));
                        boolean shouldPass = claimed == user;
                        if (result.isPresent() != shouldPass
                                || result.isPresent() && !result.get().name().equals(names.get(user))) {
                            wrongAnswers++;
                        }
                    }
                    return wrongAnswers;
                }));
            }
            start.countDown();
            for (Future<Integer> result : results) {
                assertEquals(0, result.get());
            }
        }
        // Until each user's first success, racing threads may each run PBKDF2, but never on every attempt.
        assertTrue(store.pbkdf2Computations() < (long) threads * names.size() * 4,
                "PBKDF2 ran " + store.pbkdf2Computations() + " times for " + threads * rounds + " logins");
    }

    private static String userJson(String file) throws IOException {
        return new ObjectMapper().readTree(file).get("users").get(0).toString();
    }
}
