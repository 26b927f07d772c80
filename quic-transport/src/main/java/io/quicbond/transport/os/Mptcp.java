package io.quicbond.transport.os;

import java.io.IOException;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Optional;

/**
 * Kernel MPTCP sockets (IPPROTO_MPTCP) as ordinary JDK channels.
 *
 * <p>The JDK cannot create an MPTCP socket, so a fresh channel's descriptor is replaced (dup2) by an MPTCP socket of
 * the same family made through {@link LinuxSockets}; the channel then connects, binds, accepts and closes it as
 * usual, and sockets accepted from an MPTCP listener are MPTCP too. Whether a channel really is MPTCP is read back
 * from the kernel ({@link #isMptcp}). Throws {@link NativeSocketException} when the kernel refuses (MPTCP disabled,
 * {@code net.mptcp.enabled=0}, or an old kernel): callers fall back to TCP with a warning.
 * Any thread may call these methods.
 */
public final class Mptcp {
    private Mptcp() {
    }

    /** Empty when this JVM can open MPTCP sockets; otherwise why not. */
    public static Optional<String> unavailableReason() {
        Optional<String> nativeProblem = LinuxSockets.unavailableReason();
        if (nativeProblem.isPresent()) {
            return nativeProblem;
        }
        try {
            int fd = LinuxSockets.socket(LinuxSockets.AF_INET, LinuxSockets.SOCK_STREAM, LinuxSockets.IPPROTO_MPTCP);
            LinuxSockets.close(fd);
            return Optional.empty();
        } catch (NativeSocketException e) {
            return Optional.of("the kernel refuses MPTCP sockets (" + e.getMessage()
                    + "; is net.mptcp.enabled=1?)");
        }
    }

    /** An unbound MPTCP listener, dual-stack (IPv6 socket accepting IPv4 too). */
    public static ServerSocketChannel openServer() throws IOException {
        return openServer(StandardProtocolFamily.INET6);
    }

    public static ServerSocketChannel openServer(ProtocolFamily family) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open(family);
        try {
            int mptcp = mptcpSocketLike(channel, family);
            LinuxSockets.setInt(mptcp, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_REUSEADDR, 1, "SO_REUSEADDR");
            LinuxSockets.replace(LinuxSockets.fd(channel), mptcp);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** An unconnected MPTCP client socket of the given family (use INET6 for IPv6 destinations). */
    public static SocketChannel open(ProtocolFamily family) throws IOException {
        SocketChannel channel = SocketChannel.open(family);
        try {
            LinuxSockets.replace(LinuxSockets.fd(channel), mptcpSocketLike(channel, family));
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** True when the kernel says the channel's socket is MPTCP (SO_PROTOCOL == IPPROTO_MPTCP). */
    public static boolean isMptcp(Channel channel) throws NativeSocketException {
        return LinuxSockets.getInt(channel, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_PROTOCOL)
                == LinuxSockets.IPPROTO_MPTCP;
    }

    private static int mptcpSocketLike(Channel channel, ProtocolFamily family) throws NativeSocketException {
        int domain = LinuxSockets.getInt(channel, LinuxSockets.SOL_SOCKET, LinuxSockets.SO_DOMAIN);
        int fd = LinuxSockets.socket(domain, LinuxSockets.SOCK_STREAM, LinuxSockets.IPPROTO_MPTCP);
        if (domain == LinuxSockets.AF_INET6) {
            try {
                int v6only = LinuxSockets.getInt(channel, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_V6ONLY);
                LinuxSockets.setInt(fd, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_V6ONLY, v6only, "IPV6_V6ONLY");
            } catch (NativeSocketException e) {
                LinuxSockets.close(fd);
                throw e;
            }
        }
        return fd;
    }
}
