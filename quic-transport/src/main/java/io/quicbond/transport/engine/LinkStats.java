package io.quicbond.transport.engine;

/**
 * What the engine knows about one connection's path. Fields the engine cannot tell are -1.
 *
 * @param srttMicros       smoothed RTT as the QUIC stack measured it
 * @param rttVarMicros     RTT variance
 * @param packetsSent      QUIC packets sent
 * @param packetsLost      QUIC packets declared lost
 * @param bytesSent        UDP payload bytes sent
 * @param packetsReceived  UDP datagrams received on this connection's socket
 * @param cwndBytes        congestion window
 * @param deliveryRateBps  the engine's delivery rate estimate in bytes/s
 */
public record LinkStats(long srttMicros, long rttVarMicros, long packetsSent, long packetsLost, long bytesSent,
                        long packetsReceived, long cwndBytes, long deliveryRateBps) {
    public static final LinkStats UNKNOWN = new LinkStats(-1, -1, -1, -1, -1, -1, -1, -1);

    public double lossRatio() {
        return packetsSent <= 0 || packetsLost < 0 ? 0 : (double) packetsLost / packetsSent;
    }
}
