package io.quicbond.transport.os;

import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.channels.Channel;
import java.util.logging.Logger;

/**
 * Where an uplink's UDP socket sends from, beyond its source address: a firewall mark ({@code SO_MARK}, so that
 * {@code ip rule fwmark M table T} can route each uplink out of its own WAN and nftables can tell the bond's own
 * traffic apart) and a device ({@code SO_BINDTOIFINDEX}, the integer form of {@code SO_BINDTODEVICE}, Linux 5.0+).
 *
 * <p>The mark is a promise the operator's routing depends on: when it cannot be set (no CAP_NET_ADMIN, not Linux,
 * the JVM flags missing) {@link #applyTo} throws and the uplink does not connect. The device is best effort: the
 * source address already ties the socket to its WAN, so a refusal is logged as a warning and the socket is used.
 * Immutable; any thread.
 *
 * @param mark   SO_MARK value, 1..0xFFFFFFFF as an unsigned int; 0 = no mark (the default)
 * @param device interface name to bind to; null = none (the default)
 */
public record SocketPlacement(long mark, String device) {
    /** No mark, no device: the socket is left as the JDK or netty made it. */
    public static final SocketPlacement NONE = new SocketPlacement(0, null);
    /** SO_BINDTOIFINDEX from linux/socket.h (asm-generic/socket.h). */
    static final int SO_BINDTOIFINDEX = 62;
    private static final Logger LOG = Logger.getLogger(SocketPlacement.class.getName());

    public SocketPlacement {
        if (mark < 0 || mark > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("mark must be 0..0xFFFFFFFF, got " + mark);
        }
    }

    public boolean isNone() {
        return mark == 0 && device == null;
    }

    /** Applies the placement to a JDK channel's socket. @throws NativeSocketException when the mark cannot be set */
    public void applyTo(Channel channel) throws NativeSocketException {
        if (!isNone()) {
            applyTo(LinuxSockets.fd(channel));
        }
    }

    /** Applies the placement to a socket descriptor (e.g. netty epoll's). @throws NativeSocketException as above */
    public void applyTo(int fd) throws NativeSocketException {
        if (mark != 0) {
            LinuxSockets.setInt(fd, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_MARK, (int) mark, "SO_MARK");
        }
        if (device != null) {
            try {
                NetworkInterface nif = NetworkInterface.getByName(device);
                if (nif == null) {
                    LOG.warning("interface " + device + " not found: socket not bound to it (the source address"
                            + " still ties it to its WAN)");
                    return;
                }
                LinuxSockets.setInt(fd, LinuxSockets.SOL_SOCKET, SO_BINDTOIFINDEX, nif.getIndex(),
                        "SO_BINDTOIFINDEX");
            } catch (NativeSocketException | SocketException e) {
                LOG.warning("cannot bind the uplink socket to device " + device + " (" + e.getMessage()
                        + "); it sends by source address and routing only");
            }
        }
    }

    /** The mark read back from the kernel (tests, status). */
    public static long markOf(Channel channel) throws NativeSocketException {
        return Integer.toUnsignedLong(LinuxSockets.getInt(channel, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_MARK));
    }

    @Override
    public String toString() {
        return isNone() ? "none" : (mark != 0 ? "mark 0x" + Long.toHexString(mark) : "")
                + (mark != 0 && device != null ? ", " : "") + (device != null ? "device " + device : "");
    }
}
