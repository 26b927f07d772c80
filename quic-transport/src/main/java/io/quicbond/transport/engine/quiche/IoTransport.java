package io.quicbond.transport.engine.quiche;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.unix.UnixChannel;
import io.quicbond.transport.os.SocketPlacement;
import java.io.IOException;
import java.net.InetSocketAddress;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.quic.EpollQuicUtils;
import io.netty.handler.codec.quic.SegmentedDatagramPacketAllocator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The UDP socket flavour under the QUIC codec: epoll (with GSO and recvmmsg, the settings of NETTY-QUIC.md) when
 * netty's native epoll transport is on the class path and loads, NIO otherwise. epoll is reached by reflection so
 * that the engine still runs where it cannot load (quic-transport depends on
 * {@code io.netty:netty-transport-native-epoll}, classifier {@code linux-x86_64}; other CPUs get NIO).
 */
final class IoTransport {
    private static final Logger LOG = Logger.getLogger(IoTransport.class.getName());
    static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** GSO: packets quiche may hand the kernel in one segmented send. 64 lost packets in the measurements. */
    private static final int GSO_SEGMENTS = 16;
    /** recvmmsg: datagrams per receive call, each at most {@link #RECV_DATAGRAM_BYTES}. */
    private static final int RECV_DATAGRAMS = 16;
    private static final int RECV_DATAGRAM_BYTES = 2048;

    final String name;
    final IoHandlerFactory ioHandlerFactory;
    final Class<? extends DatagramChannel> channelClass;
    private final ChannelOption<Integer> maxDatagramPayloadOption;
    private final ChannelOption<Boolean> reusePortOption;

    private IoTransport(String name, IoHandlerFactory factory, Class<? extends DatagramChannel> channelClass,
                        ChannelOption<Integer> maxDatagramPayloadOption, ChannelOption<Boolean> reusePortOption) {
        this.name = name;
        this.ioHandlerFactory = factory;
        this.channelClass = channelClass;
        this.maxDatagramPayloadOption = maxDatagramPayloadOption;
        this.reusePortOption = reusePortOption;
    }

    static IoTransport nio() {
        return new IoTransport("nio", NioIoHandler.newFactory(), NioDatagramChannel.class, null, null);
    }

    /** epoll when {@code allowEpoll} and it is available, else NIO. */
    static IoTransport select(boolean allowEpoll) {
        if (!allowEpoll) {
            return nio();
        }
        try {
            Class<?> epoll = Class.forName("io.netty.channel.epoll.Epoll");
            if (!(boolean) epoll.getMethod("isAvailable").invoke(null)) {
                Throwable cause = (Throwable) epoll.getMethod("unavailabilityCause").invoke(null);
                LOG.fine("epoll unavailable, using NIO: " + cause);
                return nio();
            }
            IoHandlerFactory factory = (IoHandlerFactory) Class.forName("io.netty.channel.epoll.EpollIoHandler")
                    .getMethod("newFactory").invoke(null);
            Class<? extends DatagramChannel> channel = Class.forName("io.netty.channel.epoll.EpollDatagramChannel")
                    .asSubclass(DatagramChannel.class);
            Class<?> epollOptions = Class.forName("io.netty.channel.epoll.EpollChannelOption");
            @SuppressWarnings("unchecked")
            ChannelOption<Integer> maxPayload = (ChannelOption<Integer>) epollOptions
                    .getField("MAX_DATAGRAM_PAYLOAD_SIZE").get(null);
            @SuppressWarnings("unchecked")
            ChannelOption<Boolean> reusePort = (ChannelOption<Boolean>) epollOptions.getField("SO_REUSEPORT").get(null);
            return new IoTransport("epoll", factory, channel, maxPayload, reusePort);
        } catch (ClassNotFoundException e) {
            return nio();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.log(Level.FINE, "epoll could not be set up, using NIO", e);
            return nio();
        }
    }

    boolean isEpoll() {
        return maxDatagramPayloadOption != null;
    }

    /** Socket options for a UDP channel carrying QUIC. */
    void configure(Bootstrap bootstrap) {
        bootstrap.option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES);
        if (isEpoll()) {
            bootstrap.option(maxDatagramPayloadOption, RECV_DATAGRAM_BYTES)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(RECV_DATAGRAMS * RECV_DATAGRAM_BYTES));
        }
    }

    /** SO_REUSEPORT, so that several sockets share one port (epoll only; callers check {@link #isEpoll()}). */
    void reusePort(Bootstrap bootstrap) {
        if (reusePortOption == null) {
            throw new IllegalStateException("SO_REUSEPORT needs the epoll transport");
        }
        bootstrap.option(reusePortOption, true);
    }

    /**
     * Binds a UDP channel of {@code bootstrap} (which must have no channel class or factory yet) to {@code bind} with {@code placement}'s mark and device set before any
     * packet leaves: on NIO the JDK channel is made here and handed to netty; on epoll the options go onto netty's
     * descriptor right after the bind (the QUIC handshake has not started yet).
     *
     * @throws IOException when binding fails or the mark cannot be set (the channel is closed then)
     */
    Channel bindPlaced(Bootstrap bootstrap, InetSocketAddress bind, SocketPlacement placement) throws IOException {
        if (!placement.isNone() && !isEpoll()) {
            // The family of a given source address, as netty would pick; dual-stack for a wildcard bind.
            java.net.InetAddress source = bind.getAddress();
            java.nio.channels.DatagramChannel own = source == null || source.isAnyLocalAddress()
                    ? java.nio.channels.DatagramChannel.open()
                    : java.nio.channels.DatagramChannel.open(source instanceof java.net.Inet4Address
                    ? java.net.StandardProtocolFamily.INET : java.net.StandardProtocolFamily.INET6);
            try {
                placement.applyTo(own);
            } catch (IOException e) {
                own.close();
                throw e;
            }
            bootstrap.channelFactory(() -> new NioDatagramChannel(own));
        } else {
            bootstrap.channel(channelClass);
        }
        ChannelFuture bound = bootstrap.bind(bind);
        if (!bound.awaitUninterruptibly(5000) || !bound.isSuccess()) {
            bound.channel().close();
            throw new IOException("bind " + bind + ": " + (bound.isDone() ? bound.cause() : "timed out"), bound.cause());
        }
        Channel udp = bound.channel();
        if (!placement.isNone() && isEpoll()) {
            try {
                placement.applyTo(((UnixChannel) udp).fd().intValue());
            } catch (IOException | RuntimeException e) {
                udp.close();
                throw e;
            }
        }
        return udp;
    }

    /** The GSO allocator for QUIC channels, or null (NIO, or a kernel without UDP_SEGMENT). */
    SegmentedDatagramPacketAllocator segmentedAllocator() {
        if (!isEpoll()) {
            return null;
        }
        SegmentedDatagramPacketAllocator allocator = EpollQuicUtils.newSegmentedAllocator(GSO_SEGMENTS);
        return allocator == SegmentedDatagramPacketAllocator.NONE ? null : allocator;
    }
}
