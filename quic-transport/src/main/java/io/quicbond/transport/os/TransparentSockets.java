package io.quicbond.transport.os;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;

/**
 * The socket set-up every nftables TPROXY socket shares (listeners, receivers, reply sockets bound to a foreign
 * address): the address family of what it binds, and the options it needs before bind. Stateless; any thread.
 * Needs CAP_NET_ADMIN and the JVM options of {@link LinuxSockets}.
 */
public final class TransparentSockets {
    private TransparentSockets() {
    }

    /** The family of a socket that binds {@code address}. */
    public static ProtocolFamily familyOf(InetSocketAddress address) {
        return isIpv6(address) ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
    }

    public static boolean isIpv6(InetSocketAddress address) {
        return address.getAddress() instanceof Inet6Address;
    }

    /**
     * Sets, before bind, {@code SO_REUSEADDR} and {@code IP_TRANSPARENT}, or for IPv6 {@code IPV6_V6ONLY} (so that an
     * IPv4 socket on the same port takes IPv4) and {@code IPV6_TRANSPARENT}.
     *
     * @throws IOException when an option cannot be set ({@link NativeSocketException}: no CAP_NET_ADMIN, or native
     *                     access not enabled)
     */
    public static void makeTransparent(NetworkChannel channel, boolean ipv6) throws IOException {
        channel.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        if (ipv6) {
            LinuxSockets.setInt(channel, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_V6ONLY, 1);
            LinuxSockets.setInt(channel, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_TRANSPARENT, 1);
        } else {
            LinuxSockets.setInt(channel, LinuxSockets.SOL_IP, LinuxSockets.IP_TRANSPARENT, 1);
        }
    }
}
