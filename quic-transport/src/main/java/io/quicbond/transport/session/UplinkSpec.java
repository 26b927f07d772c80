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
 * @param primary       false makes it a backup (used by the failover policy only when no primary is up)
 */
public record UplinkSpec(String name, InetSocketAddress server, InetAddress bindAddress, String bindInterface,
                         boolean primary) {
    public UplinkSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(server, "server");
    }
}
