package io.quicbond.transport.session;

import io.quicbond.transport.engine.LinkStats;
import java.util.List;

/**
 * A snapshot of one session for status output (table and JSON). Rates are bytes per second of flow payload,
 * smoothed over about a second.
 */
public record SessionStatus(String sessionId, String user, List<UplinkStatus> uplinks, int tcpFlows, int udpFlows,
                            long reinjectedBytes) {

    /**
     * @param state "up", "suspect" (silent, no new data) or "down"
     * @param lossPercent QUIC packets declared lost / sent, in percent
     * @param minRttMs the lowest probe RTT of the last 10 s or so (the path without queueing)
     * @param deliveryRate what the uplink has shown it delivers (peak of recent windows), bytes per second
     * @param backlogLimit how many sent-but-not-yet-received bytes the uplink may have before it takes no more
     * @param pacingRate the rate the uplink's writer is paced at, bytes per second; 0 = not paced (yet)
     * @param cwndBytes the QUIC congestion window the engine reports, bytes; -1 when the engine does not say (kwik
     *                  with NewReno)
     */
    public record UplinkStatus(String name, int id, String state, double rttMs, double rttVarMs, double quicRttMs,
                               double lossPercent, long bytesSent, long bytesReceived, double sendRate,
                               double receiveRate, long unackedBytes, double minRttMs, double deliveryRate,
                               long backlogLimit, double pacingRate, long cwndBytes) {
        static UplinkStatus of(Uplink u) {
            LinkStats s = u.linkStats();
            String state = u.isDown() ? "down" : u.isSuspect() ? "suspect" : "up";
            return new UplinkStatus(u.name(), u.id(), state, u.rtt.smoothedNanos() / 1e6, u.rtt.varianceNanos() / 1e6,
                    s.srttMicros() / 1e3, s.lossRatio() * 100, u.sent.total(), u.received.total(),
                    u.sent.bytesPerSecond(), u.received.bytesPerSecond(), u.unackedBytes(),
                    u.rtt.minNanos() / 1e6, u.deliveryRate(), u.inflightLimit(), u.pacingRate(), s.cwndBytes());
        }
    }
}
