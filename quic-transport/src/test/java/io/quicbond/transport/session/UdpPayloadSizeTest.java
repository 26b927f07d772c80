package io.quicbond.transport.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.transport.Destination;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.engine.ServerListenSpec;
import io.quicbond.transport.engine.quiche.QuicheEngine;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The largest UDP payload an uplink uses (quiche; kwik keeps its own): as configured per uplink, both ways, and
 * never more than the client's uplink asked for, whatever the server allows.
 */
class UdpPayloadSizeTest {
    /** What a path with a 1400-byte MTU carries: 1400 less the IPv4 and UDP headers. */
    private static final int PATH_1400 = 1372;

    @AfterEach
    void closeEngines() {
        EngineUnderTest.closeAll();
    }

    @Test
    @Timeout(60)
    void theDefaultFitsAPathWithA1400ByteMtu() throws Exception {
        FakeBlackholeRelay relay = echoBothWays(0, 0, PATH_1400);
        assertTrue(relay.largestUp() <= QuicheEngine.DEFAULT_UDP_PAYLOAD, "up " + relay.largestUp());
        assertTrue(relay.largestDown() <= QuicheEngine.DEFAULT_UDP_PAYLOAD, "down " + relay.largestDown());
    }

    @Test
    @Timeout(60)
    void anUplinkSetTo1472UsesFullSizedPacketsBothWays() throws Exception {
        FakeBlackholeRelay relay = echoBothWays(1472, 1472, Integer.MAX_VALUE);
        assertEquals(1472, relay.largestUp());
        assertEquals(1472, relay.largestDown());
    }

    @Test
    @Timeout(60)
    void theServerSendsNoLargerThanTheUplinkAsked() throws Exception {
        FakeBlackholeRelay relay = echoBothWays(0, 1472, PATH_1400);
        assertTrue(relay.largestDown() <= QuicheEngine.DEFAULT_UDP_PAYLOAD, "down " + relay.largestDown());
    }

    /**
     * Echoes 4 MB through one uplink over a relay that drops payloads above {@code dropAbove}; asserts every byte
     * came back and returns the relay for its figures.
     */
    private static FakeBlackholeRelay echoBothWays(int uplinkPayload, int serverPayload, int dropAbove)
            throws Exception {
        BondSettings settings = BondSettings.defaults();
        ServerListenSpec base = LoopbackBond.listenSpec();
        ServerListenSpec listen = new ServerListenSpec(base.listen(), base.alpn(), base.keyStore(), base.keyAlias(),
                base.keyPassword(), base.idleTimeout(), base.receiveWindow(), serverPayload);
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             BondServer server = LoopbackBond.newServer(EngineUnderTest.QUICHE, settings, listen)) {
            FakeBlackholeRelay relay = new FakeBlackholeRelay(server.localAddress());
            relay.dropAbove(dropAbove);
            BondClient client = LoopbackBond.newClient(EngineUnderTest.QUICHE, settings, LoopbackBond.identity(),
                    LoopbackBond.SECRET);
            try {
                client.addUplink(new UplinkSpec("link0", relay.address(), null, null, UplinkTuning.DEFAULT, null, 0,
                        uplinkPayload));
                assertTrue(client.awaitUplinks(1, Duration.ofSeconds(20)), client.status().toString());
                LoopbackBond.echoOnce(echo);
                byte[] data = LoopbackBond.randomBytes(4 << 20, uplinkPayload + serverPayload);
                TcpFlow flow = client.openTcp(new Destination("127.0.0.1", echo.getLocalPort()));
                byte[] back = LoopbackBond.roundTrip(flow, data, 45);
                assertArrayEquals(LoopbackBond.sha256(data), LoopbackBond.sha256(back));
                return relay;
            } finally {
                client.close();
                relay.close();
            }
        }
    }
}
