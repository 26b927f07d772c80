package io.quicbond.transport.engine.quiche;

import io.netty.handler.codec.quic.QuicCongestionControlAlgorithm;

/**
 * The congestion controllers quiche offers. quiche fixes the controller per codec, that is per UDP socket:
 * {@link QuicheEngine} gives every client uplink its own socket, so each uplink can have its own; all
 * connections a listener accepts share the listener's.
 */
public enum CongestionControl {
    /** NewReno (RFC 9002 section 7). */
    RENO(QuicCongestionControlAlgorithm.RENO),
    /** CUBIC (RFC 9438): fills buffers, so the RTT grows under load. */
    CUBIC(QuicCongestionControlAlgorithm.CUBIC),
    /** BBR: keeps the queue short; the fastest on loopback (see NETTY-QUIC.md). The default. */
    BBR(QuicCongestionControlAlgorithm.BBR);

    final QuicCongestionControlAlgorithm netty;

    CongestionControl(QuicCongestionControlAlgorithm netty) {
        this.netty = netty;
    }

    /** By its lower-case name: "reno", "cubic", "bbr". */
    public static CongestionControl parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown congestion control '" + name + "' (bbr, cubic, reno)");
        }
    }
}
