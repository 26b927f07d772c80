package io.quicbond.server.users;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.quicbond.transport.EgressConnector.EgressRates;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserRatesTest {
    @TempDir
    Path dir;

    @Test
    void aLimitedUserGetsOneSharedBucketPerDirectionAtTheirRate() throws Exception {
        UserStore users = UserStore.open(dir.resolve("users.json"));
        users.add("alice", new UserLimits(4, 4096, 50_000_000));
        users.add("bob");
        UserRates rates = new UserRates(users);

        EgressRates alice = rates.apply("alice");
        assertEquals(50_000_000, alice.toDestination().bitsPerSecond());
        assertEquals(50_000_000, alice.fromDestination().bitsPerSecond());
        assertSame(alice, rates.apply("alice"), "every flow of alice shares the same buckets");
        assertSame(EgressRates.NONE, rates.apply("bob"), "no limit, nothing counted");
        assertSame(EgressRates.NONE, rates.apply("nobody"));
    }

    @Test
    void aChangedLimitReachesTheBucketsOpenFlowsHold() throws Exception {
        UserStore users = UserStore.open(dir.resolve("users.json"));
        users.add("alice", new UserLimits(4, 4096, 50_000_000));
        UserRates rates = new UserRates(users);
        EgressRates held = rates.apply("alice");

        users.setLimits("alice", new UserLimits(4, 4096, 10_000_000));
        rates.apply("alice");
        assertEquals(10_000_000, held.toDestination().bitsPerSecond());
        assertEquals(10_000_000, held.fromDestination().bitsPerSecond());

        users.setLimits("alice", UserLimits.DEFAULTS);
        assertSame(held, rates.apply("alice"));
        assertEquals(0, held.toDestination().bitsPerSecond(), "a lifted limit lifts it for open flows too");
    }
}
