package io.quicbond.transport.os;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.time.Duration;

/**
 * A UDP socket for nftables TPROXY: bound with {@code IP_TRANSPARENT} (or {@code IPV6_TRANSPARENT}) and
 * {@code IP_RECVORIGDSTADDR} (or {@code IPV6_RECVORIGDSTADDR}), read with {@code recvmsg(2)} through Java's foreign
 * function API, so each datagram comes with the address the LAN host sent it to. The JDK's own receive cannot
 * return ancillary data, hence the native call.
 *
 * <p>Threads: one thread calls {@link #receive}; it is a blocking native call, so use a platform thread (a virtual
 * thread would pin its carrier). {@link #receive} returns null at least every {@code pollInterval}, so the caller
 * can notice it should stop; call {@link #close()} only after that thread has stopped (closing a descriptor under
 * a blocked native call could hand its number to another socket). Needs CAP_NET_ADMIN and the JVM options of
 * {@link LinuxSockets}.
 */
public final class OriginalDestinationReceiver implements Closeable {
    /** One datagram: who sent it, where it was going, and its bytes. */
    public record Datagram(InetSocketAddress source, InetSocketAddress originalDestination, byte[] payload) {
    }

    /** cmsg types carrying the original destination (linux/in.h, linux/in6.h). */
    static final int IP_ORIGDSTADDR = 20;
    static final int IPV6_ORIGDSTADDR = 74;
    /** asm-generic/socket.h, 64-bit time_t (x86-64, aarch64). */
    private static final int SO_RCVTIMEO = 20;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final int EAGAIN = 11;
    private static final int EINTR = 4;
    private static final int MAX_DATAGRAM = 65535;
    private static final int NAME_SIZE = 128;
    private static final int CONTROL_SIZE = 256;
    private static final int CMSG_HEADER = 16;

    private static final MethodHandle RECVMSG;
    private static final VarHandle ERRNO = Linker.Option.captureStateLayout()
            .varHandle(MemoryLayout.PathElement.groupElement("errno"));

    static {
        Linker linker = Linker.nativeLinker();
        MethodHandle h = null;
        try {
            h = linker.downcallHandle(linker.defaultLookup().find("recvmsg").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_INT), Linker.Option.captureCallState("errno"));
        } catch (RuntimeException | Error e) {
            // unavailableReason() of LinuxSockets says why; receive() reports it
        }
        RECVMSG = h;
    }

    private final DatagramChannel channel;
    private final int fd;
    private final boolean ipv6;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment data;
    private final MemorySegment name;
    private final MemorySegment control;
    private final MemorySegment iov;
    private final MemorySegment msg;
    private final MemorySegment callState;

    private OriginalDestinationReceiver(DatagramChannel channel, boolean ipv6) throws IOException {
        this.channel = channel;
        this.fd = LinuxSockets.fd(channel);
        this.ipv6 = ipv6;
        data = arena.allocate(MAX_DATAGRAM);
        name = arena.allocate(NAME_SIZE, 8);
        control = arena.allocate(CONTROL_SIZE, 8);
        iov = arena.allocate(16, 8);
        msg = arena.allocate(56, 8);
        callState = arena.allocate(Linker.Option.captureStateLayout());
    }

    /**
     * Binds a transparent UDP socket. An IPv6 address binds an IPv6-only socket (IPV6_V6ONLY), so that an IPv4
     * socket on the same port can take IPv4.
     *
     * @param pollInterval longest time {@link #receive} blocks before it returns null
     * @throws IOException when the options cannot be set (no CAP_NET_ADMIN, JVM options missing) or the bind fails
     */
    public static OriginalDestinationReceiver bind(InetSocketAddress listen, Duration pollInterval) throws IOException {
        if (RECVMSG == null) {
            throw new IOException("recvmsg is not reachable through the foreign function API");
        }
        boolean v6 = TransparentSockets.isIpv6(listen);
        DatagramChannel ch = DatagramChannel.open(TransparentSockets.familyOf(listen));
        try {
            TransparentSockets.makeTransparent(ch, v6);
            if (v6) {
                LinuxSockets.setInt(ch, LinuxSockets.SOL_IPV6, LinuxSockets.IPV6_RECVORIGDSTADDR, 1);
            } else {
                LinuxSockets.setInt(ch, LinuxSockets.SOL_IP, LinuxSockets.IP_RECVORIGDSTADDR, 1);
            }
            LinuxSockets.setBytes(ch, LinuxSockets.SOL_SOCKET, SO_RCVTIMEO, timeval(pollInterval));
            ch.bind(listen);
            return new OriginalDestinationReceiver(ch, v6);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw new IOException("transparent UDP socket on " + listen + ": " + e.getMessage(), e);
        }
    }

    /** struct timeval {long tv_sec; long tv_usec;} in native order. */
    private static byte[] timeval(Duration d) {
        long micros = Math.max(1_000, d.toNanos() / 1_000);
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putLong(micros / 1_000_000)
                .putLong(micros % 1_000_000).array();
    }

    /** The bound address. */
    public InetSocketAddress localAddress() throws IOException {
        return (InetSocketAddress) channel.getLocalAddress();
    }

    /**
     * Waits for one datagram.
     *
     * @return the datagram, or null when none came within the poll interval or the kernel gave a datagram this class
     *         cannot read (no original destination, a malformed address); such datagrams are dropped
     * @throws IOException when the socket failed or was closed
     */
    public Datagram receive() throws IOException {
        // struct iovec { void *iov_base; size_t iov_len; }
        iov.set(ValueLayout.ADDRESS, 0, data);
        iov.set(ValueLayout.JAVA_LONG, 8, MAX_DATAGRAM);
        // struct msghdr (x86-64 / aarch64 LP64 layout): name, namelen, iov, iovlen, control, controllen, flags
        msg.fill((byte) 0);
        msg.set(ValueLayout.ADDRESS, 0, name);
        msg.set(ValueLayout.JAVA_INT, 8, NAME_SIZE);
        msg.set(ValueLayout.ADDRESS, 16, iov);
        msg.set(ValueLayout.JAVA_LONG, 24, 1);
        msg.set(ValueLayout.ADDRESS, 32, control);
        msg.set(ValueLayout.JAVA_LONG, 40, CONTROL_SIZE);
        long n;
        try {
            n = (long) RECVMSG.invokeExact(callState, fd, msg, 0);
        } catch (Throwable t) {
            throw new IOException("recvmsg failed: " + t, t);
        }
        if (n < 0) {
            int errno = (int) ERRNO.get(callState, 0L);
            if (errno == EAGAIN || errno == EINTR) {
                return null;
            }
            throw new IOException("recvmsg failed: errno " + errno);
        }
        int nameLength = Math.min(msg.get(ValueLayout.JAVA_INT, 8), NAME_SIZE);
        int controlLength = (int) Math.min(msg.get(ValueLayout.JAVA_LONG, 40), CONTROL_SIZE);
        try {
            InetSocketAddress source = parseSocketAddress(name.asSlice(0, nameLength).toArray(ValueLayout.JAVA_BYTE));
            InetSocketAddress destination = parseOriginalDestination(
                    control.asSlice(0, controlLength).toArray(ValueLayout.JAVA_BYTE), controlLength);
            if (destination == null) {
                return null;
            }
            return new Datagram(source, destination, data.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
        } catch (ControlMessageException e) {
            return null;
        }
    }

    /**
     * The original destination in a {@code recvmsg} control buffer: the {@code IP_ORIGDSTADDR} or
     * {@code IPV6_ORIGDSTADDR} message, walked with the kernel's CMSG_NXTHDR rules (LP64: a 16-byte header,
     * lengths aligned to 8).
     *
     * @param length how many bytes of {@code control} the kernel filled (msg_controllen)
     * @return the address, or null when no such message is present
     * @throws ControlMessageException when a header or the address in it is malformed
     */
    public static InetSocketAddress parseOriginalDestination(byte[] control, int length) throws ControlMessageException {
        if (length < 0 || length > control.length) {
            throw new ControlMessageException("control length " + length + " outside the buffer of " + control.length);
        }
        ByteBuffer b = ByteBuffer.wrap(control, 0, length).order(ByteOrder.nativeOrder());
        int pos = 0;
        while (pos + CMSG_HEADER <= length) {
            long cmsgLen = b.getLong(pos);
            if (cmsgLen < CMSG_HEADER || cmsgLen > length - pos) {
                throw new ControlMessageException("control message at " + pos + " has length " + cmsgLen
                        + " (buffer " + length + ")");
            }
            int level = b.getInt(pos + 8);
            int type = b.getInt(pos + 12);
            if ((level == LinuxSockets.SOL_IP && type == IP_ORIGDSTADDR)
                    || (level == LinuxSockets.SOL_IPV6 && type == IPV6_ORIGDSTADDR)) {
                byte[] address = new byte[(int) cmsgLen - CMSG_HEADER];
                System.arraycopy(control, pos + CMSG_HEADER, address, 0, address.length);
                return parseSocketAddress(address);
            }
            pos += (int) ((cmsgLen + 7) & ~7L);
        }
        return null;
    }

    /**
     * A {@code sockaddr_in} (16 bytes, family 2) or {@code sockaddr_in6} (28 bytes, family 10; scope id kept for
     * link-local addresses); the family in native byte order, the port in network order.
     *
     * @throws ControlMessageException for another family or a short buffer
     */
    public static InetSocketAddress parseSocketAddress(byte[] sockaddr) throws ControlMessageException {
        if (sockaddr.length < 2) {
            throw new ControlMessageException("socket address of " + sockaddr.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(sockaddr);
        int family = b.order(ByteOrder.nativeOrder()).getShort(0) & 0xffff;
        try {
            if (family == AF_INET) {
                if (sockaddr.length < 8) {
                    throw new ControlMessageException("sockaddr_in of " + sockaddr.length + " bytes");
                }
                int port = b.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
                byte[] ip = new byte[4];
                System.arraycopy(sockaddr, 4, ip, 0, 4);
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == AF_INET6) {
                if (sockaddr.length < 24) {
                    throw new ControlMessageException("sockaddr_in6 of " + sockaddr.length + " bytes");
                }
                int port = b.order(ByteOrder.BIG_ENDIAN).getShort(2) & 0xffff;
                byte[] ip = new byte[16];
                System.arraycopy(sockaddr, 8, ip, 0, 16);
                int scope = sockaddr.length >= 28 ? b.order(ByteOrder.nativeOrder()).getInt(24) : 0;
                InetAddress address = InetAddress.getByAddress(ip);
                if (address instanceof Inet6Address && scope != 0 && address.isLinkLocalAddress()) {
                    address = Inet6Address.getByAddress(null, ip, scope);
                }
                return new InetSocketAddress(address, port);
            }
        } catch (UnknownHostException e) {
            throw new ControlMessageException("bad address bytes: " + e.getMessage());
        }
        throw new ControlMessageException("address family " + family + " is neither AF_INET nor AF_INET6");
    }

    /** Whether this socket takes IPv6. */
    public boolean ipv6() {
        return ipv6;
    }

    /** Closes the socket; only once the receiving thread has stopped (see the class comment). Idempotent. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (arena.scope().isAlive()) {
                arena.close();
            }
        }
    }
}
