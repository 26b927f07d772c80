package io.quicbond.transport.session;

import io.quicbond.transport.scheduler.Policy;
import java.time.Duration;

/**
 * Tunables of the bond, the same at both ends. Defaults in {@link #defaults()}; documented in
 * docs/operations.md.
 *
 * @param flowWindow          bytes a flow's receiver buffers (its advertised window); default 16 MiB (enough to
 *                            reorder what 100 Mbit/s brings while a chunk waits a second on a slow uplink)
 * @param flowSendBuffer      unacknowledged bytes a flow's sender keeps before the application blocks; 16 MiB
 * @param maxFlowsPerSession  flows open at once per session; 4096
 * @param openTimeout         how long opening a flow may take end to end; 15 s
 * @param udpIdleTimeout      a UDP flow with no packet either way for this long is closed; 60 s
 * @param probeInterval       how often each uplink is probed (a ~40-byte datagram); 100 ms
 * @param silenceFloor        an uplink silent for max(this, 3 srtt + 4 rttvar) is suspect: no new data goes
 *                            to it and what it carried is re-sent elsewhere; 300 ms
 * @param deadAfter           an uplink silent this long is closed and reconnected (a fresh connection comes
 *                            back faster than one deep in QUIC's probe backoff); 2 s
 * @param sessionGrace        the server keeps a session with no uplink this long before ending its flows; 60 s
 * @param defaultPolicy       policy for flows no rule matches; aggregate
 */
public record BondSettings(long flowWindow, long flowSendBuffer, int maxFlowsPerSession, Duration openTimeout,
                           Duration udpIdleTimeout, Duration probeInterval, Duration silenceFloor,
                           Duration deadAfter, Duration sessionGrace, Policy defaultPolicy) {

    public static BondSettings defaults() {
        return new BondSettings(16 << 20, 16 << 20, 4096, Duration.ofSeconds(15), Duration.ofSeconds(60),
                Duration.ofMillis(100), Duration.ofMillis(300), Duration.ofSeconds(2), Duration.ofSeconds(60),
                Policy.AGGREGATE);
    }

    public BondSettings withDefaultPolicy(Policy policy) {
        return new BondSettings(flowWindow, flowSendBuffer, maxFlowsPerSession, openTimeout, udpIdleTimeout,
                probeInterval, silenceFloor, deadAfter, sessionGrace, policy);
    }

}
