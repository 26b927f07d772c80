package io.quicbond.transport.session;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One uplink as the client is told to run it.
 *
 * @param name          unique within the client, e.g. "lte0"
 * @param server        the server endpoint this uplink connects to
 * @param bindAddress   source address on this uplink's WAN; null = let routing choose
 * @param bindInterface interface name the UDP socket is bound to (SO_BINDTOIFINDEX, best effort); null = none
 * @param tuning        tier, weight and rate caps; a change is applied to the running uplink without reconnecting
 * @param congestionControl the QUIC congestion controller of this uplink's connection ("bbr", "cubic", "reno");
 *                      null = the engine's default
 * @param mark          SO_MARK of the uplink's UDP socket, for policy routing per WAN ({@code ip rule fwmark}); 0 = none
 * @param maxUdpPayload largest UDP payload either way on this uplink (see {@code ClientLinkSpec}); 0 = the engine's
 */
public record UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                         UplinkTuning tuning, String congestionControl, long mark, int maxUdpPayload) {

    /** With the engine's default UDP payload size. */
    public UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                      UplinkTuning tuning, String congestionControl, long mark) {
        this(name, server, bindAddress, bindInterface, tuning, congestionControl, mark, 0);
    }

    public UplinkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(tuning, "tuning");
    }

    /** An uplink with no socket mark. */
    public UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                      UplinkTuning tuning, String congestionControl) {
        this(name, server, bindAddress, bindInterface, tuning, congestionControl, 0);
    }

    /** An uplink with the engine's default congestion controller. */
    public UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                      UplinkTuning tuning) {
        this(name, server, bindAddress, bindInterface, tuning, null);
    }

    /** An uplink with default tuning in the given tier. */
    public UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                      boolean primary) {
        this(name, server, bindAddress, bindInterface, UplinkTuning.DEFAULT.withPrimary(primary), null);
    }

    /** The socket options this uplink's UDP socket gets: its mark and its device. */
    public io.quicbond.transport.os.SocketPlacement placement() {
        return new io.quicbond.transport.os.SocketPlacement(mark, bindInterface);
    }

    public boolean primary() {
        return tuning.primary();
    }

    /** The same uplink with other tuning. */
    public UplinkSpec withTuning(UplinkTuning tuning) {
        return new UplinkSpec(name, server, bindAddress, bindInterface, tuning, congestionControl, mark, maxUdpPayload);
    }

    /** Whether switching from {@code other} to this needs a new connection (anything but tuning changed). */
    public boolean needsReconnectFrom(UplinkSpec other) {
        return !Objects.equals(server, other.server) || !Objects.equals(bindAddress, other.bindAddress)
                || !Objects.equals(bindInterface, other.bindInterface)
                || !Objects.equals(congestionControl, other.congestionControl) || mark != other.mark
                || maxUdpPayload != other.maxUdpPayload;
    }
}
