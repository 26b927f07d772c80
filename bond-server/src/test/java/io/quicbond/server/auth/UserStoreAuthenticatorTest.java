package io.quicbond.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.server.users.LoginThrottle;
import io.quicbond.server.users.UserLimits;
import io.quicbond.server.users.UserStore;
import io.quicbond.transport.session.SessionAuthenticator.AuthenticatedUser;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserStoreAuthenticatorTest {

    private static final InetSocketAddress FROM = new InetSocketAddress("192.0.2.1", 50000);
    private static final InetSocketAddress OTHER = new InetSocketAddress("198.51.100.1", 50000);

    @TempDir
    Path dir;
    private final FakeClock clock = new FakeClock();
    private final List<String> removed = new CopyOnWriteArrayList<>();
    private Path file;
    private UserStore store;
    private String aliceSecret;

    @BeforeEach
    void users() throws Exception {
        file = dir.resolve("users.json");
        UserStore writer = UserStore.open(file);
        aliceSecret = writer.add("alice", new UserLimits(2, 100, 0));
        store = UserStore.open(file);
    }

    private UserStoreAuthenticator authenticator(int failuresPerMinute) throws Exception {
        return new UserStoreAuthenticator(store, new LoginThrottle(failuresPerMinute, clock), clock, removed::add);
    }

    @Test
    void theRightSecretLogsInWithTheUsersLimits() throws Exception {
        UserStoreAuthenticator auth = authenticator(20);
        assertEquals(Optional.of(new AuthenticatedUser("alice", 2, 100)),
                auth.authenticate("alice", UserStore.decodeSecret(aliceSecret), FROM));
        assertEquals(Optional.empty(), auth.authenticate("alice", new byte[32], FROM));
        assertEquals(Optional.empty(), auth.authenticate("mallory", new byte[32], FROM));
        assertEquals(Optional.empty(), auth.authenticate(null, null, null));
    }

    @Test
    void aSourceOutOfFailuresIsRefusedEvenWithTheRightSecret() throws Exception {
        UserStoreAuthenticator auth = authenticator(3);
        for (int i = 0; i < 3; i++) {
            assertEquals(Optional.empty(), auth.authenticate("alice", new byte[32], FROM));
        }
        byte[] right = UserStore.decodeSecret(aliceSecret);
        assertEquals(Optional.empty(), auth.authenticate("alice", right, FROM));
        assertTrue(auth.authenticate("alice", right, OTHER).isPresent(), "other sources are not affected");
        clock.advance(Duration.ofSeconds(30));
        assertTrue(auth.authenticate("alice", right, FROM).isPresent(), "the bucket refills");
    }

    @Test
    void aChangedFileIsReloadedAtMostOncePerSecondAndRemovedUsersReported() throws Exception {
        UserStoreAuthenticator auth = authenticator(20);
        UserStore cli = UserStore.open(file);
        String bobSecret = cli.add("bob");
        byte[] bob = UserStore.decodeSecret(bobSecret);
        assertTrue(auth.authenticate("bob", bob, FROM).isPresent(), "a failing login looks at the file at once");
        cli.remove("bob");
        assertTrue(auth.authenticate("bob", bob, FROM).isPresent(), "a passing one not within a second");
        clock.advance(Duration.ofMillis(1001));
        assertFalse(auth.authenticate("bob", bob, FROM).isPresent(), "but after it");
        assertEquals(List.of("bob"), removed);
        removed.clear();

        cli.remove("alice");
        clock.advance(Duration.ofMillis(1001));
        assertTrue(auth.reloadIfChanged());
        assertEquals(List.of("alice"), removed);
        assertFalse(auth.authenticate("alice", UserStore.decodeSecret(aliceSecret), OTHER).isPresent());
        clock.advance(Duration.ofMillis(1001));
        assertFalse(auth.reloadIfChanged(), "no change, no reload");
    }

    @Test
    void aBrokenFileKeepsTheUsersFromBefore() throws Exception {
        UserStoreAuthenticator auth = authenticator(20);
        Files.writeString(file, "{ not json");
        clock.advance(Duration.ofMillis(1001));
        assertFalse(auth.reloadIfChanged());
        assertTrue(auth.authenticate("alice", UserStore.decodeSecret(aliceSecret), FROM).isPresent());
        assertEquals(List.of(), removed);
    }
}
