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
 * @param bindInterface interface name, informational for kwik (which cannot bind to a device); null = none
 * @param tuning        tier, weight and rate caps; a change is applied to the running uplink without reconnecting
 * @param congestionControl the QUIC congestion controller of this uplink's connection ("bbr", "cubic", "reno");
 *                      null = the engine's default
 */
public record UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                         UplinkTuning tuning, String congestionControl) {
    public UplinkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(tuning, "tuning");
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

    public boolean primary() {
        return tuning.primary();
    }

    /** The same uplink with other tuning. */
    public UplinkSpec withTuning(UplinkTuning tuning) {
        return new UplinkSpec(name, server, bindAddress, bindInterface, tuning, congestionControl);
    }

    /** Whether switching from {@code other} to this needs a new connection (anything but tuning changed). */
    public boolean needsReconnectFrom(UplinkSpec other) {
        return !Objects.equals(server, other.server) || !Objects.equals(bindAddress, other.bindAddress)
                || !Objects.equals(bindInterface, other.bindInterface)
                || !Objects.equals(congestionControl, other.congestionControl);
    }
}
