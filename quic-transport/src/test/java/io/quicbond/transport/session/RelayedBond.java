package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A bond on loopback whose every uplink goes through its own {@link FakeBlackholeRelay} (which counts, drops,
 * loses and rebinds), with a TCP sink for the flows under test. Closing it closes everything, engines included.
 */
record RelayedBond(BondServer server, BondClient client, List<FakeBlackholeRelay> relays, ServerSocket sink)
        implements AutoCloseable {

    /** Uplinks link0, link1, ... with these tunings, all up before this returns. */
    static RelayedBond start(EngineUnderTest engine, BondSettings settings, UplinkTuning... tunings) throws Exception {
        BondServer server = LoopbackBond.newServer(engine, settings);
        BondClient client = LoopbackBond.newClient(engine, settings, LoopbackBond.identity(), LoopbackBond.SECRET);
        List<FakeBlackholeRelay> relays = new ArrayList<>();
        for (int i = 0; i < tunings.length; i++) {
            FakeBlackholeRelay relay = new FakeBlackholeRelay(server.localAddress());
            relays.add(relay);
            client.addUplink(new UplinkSpec("link" + i, relay.address(), null, null, tunings[i]));
        }
        assertTrue(client.awaitUplinks(tunings.length, Duration.ofSeconds(20)));
        return new RelayedBond(server, client, relays, new ServerSocket(0, 5, InetAddress.getLoopbackAddress()));
    }

    /** {@code uplinks} primary uplinks with default tuning. */
    static RelayedBond start(EngineUnderTest engine, BondSettings settings, int uplinks) throws Exception {
        UplinkTuning[] tunings = new UplinkTuning[uplinks];
        java.util.Arrays.fill(tunings, UplinkTuning.DEFAULT.withPrimary(true));
        return start(engine, settings, tunings);
    }

    /** Both ends' uplinks and flows and each relay's counters: what a test prints when a flow does not finish. */
    String describe() {
        StringBuilder b = new StringBuilder("client ").append(client.describe()).append("server ")
                .append(server.describe());
        for (int i = 0; i < relays.size(); i++) {
            b.append("relay link").append(i).append(": up ").append(relays.get(i).bytesUp()).append(" B, down ")
                    .append(relays.get(i).bytesDown()).append(" B\n");
        }
        return b.toString();
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.close();
        relays.forEach(FakeBlackholeRelay::close);
        sink.close();
        EngineUnderTest.closeAll();
    }

    /** Writes blocks of seeded random bytes for as long as a test needs, keeping the SHA-256 of all it wrote. */
    static final class HashedBlocks {
        private final Random random;
        private final byte[] block;
        private final MessageDigest sha;

        HashedBlocks(long seed, int blockBytes) throws NoSuchAlgorithmException {
            random = new Random(seed);
            block = new byte[blockBytes];
            sha = MessageDigest.getInstance("SHA-256");
        }

        void writeOne(OutputStream out) throws IOException {
            random.nextBytes(block);
            sha.update(block);
            out.write(block);
        }

        byte[] sha256() {
            return sha.digest();
        }
    }
}
