package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowResetException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.UdpFlow;
import io.quicbond.transport.os.Mptcp;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.logging.Logger;

/**
 * Compat mode, client side: every flow is its own plain VLESS connection (no TLS, no flow, no addons) to an existing
 * BSBF/xray/v2ray server, over a kernel MPTCP socket when asked and available. TCP flows are command 1; UDP flows are
 * command 2 with 2-byte-length-prefixed packets, one connection per flow (so one per UDP 4-tuple, as the ingress opens
 * one flow per source and destination), closed after {@code udpIdleTimeout} without a packet either way.
 *
 * <p>VLESS has no "connected" answer before data: the server's response header comes with its first payload. So
 * {@link #openTcp} returns once the connection to the VLESS server is up and the request written; a destination
 * the server cannot reach shows as a flow that ends at once ({@link FlowResetException} with {@link FlowError#RESET}
 * on the first read, when the server closed without a response header).
 *
 * <p>Thread-safe: any thread may open flows; each UDP flow has one virtual reader thread. Defaults: MPTCP on,
 * connect timeout 10 s, UDP idle timeout 300 s (xray's).
 */
public final class VlessClientTransport implements FlowTransport {

    private static final Logger LOG = Logger.getLogger(VlessClientTransport.class.getName());
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_UDP_IDLE_TIMEOUT = Duration.ofSeconds(300);

    /**
     * Where new connections go and as whom; replaced by {@link #retarget} (a reload). Every connection reads it once,
     * so one connection never mixes an old server with a new UUID.
     */
    private volatile Target target;
    private final Duration connectTimeout;
    private final Duration udpIdleTimeout;
    private final AtomicBoolean mptcpWarned = new AtomicBoolean();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong mptcpConnections = new AtomicLong();

    /**
     * @param serverHost the VLESS server's name or address (resolved at every connect)
     * @param mptcp      open kernel MPTCP sockets; where the kernel refuses, TCP is used and one warning logged
     */
    public VlessClientTransport(String serverHost, int serverPort, UUID user, boolean mptcp, Duration connectTimeout,
                                Duration udpIdleTimeout) {
        this.target = new Target(serverHost, serverPort, user, mptcp);
        this.connectTimeout = connectTimeout;
        this.udpIdleTimeout = udpIdleTimeout;
    }

    /**
     * A VLESS server, the user's UUID there, and whether to ask the kernel for MPTCP.
     *
     * @param host the server's name or address (resolved at every connect)
     * @throws IllegalArgumentException for a port outside 1..65535
     */
    public record Target(String host, int port, UUID user, boolean mptcp) {
        public Target {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(user, "user");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        @Override
        public String toString() {
            return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** The server and user new connections use now. */
    public Target target() {
        return target;
    }

    /**
     * Sends every connection opened from now on to {@code next} (a reload): new TCP flows, new UDP flows, and a UDP
     * flow's next connection after its previous one ended. Open connections stay where they are. Any thread.
     */
    public void retarget(Target next) {
        Target previous = target;
        target = Objects.requireNonNull(next, "next");
        if (!previous.equals(next)) {
            LOG.info("VLESS transport: new connections go to " + next + (previous.user().equals(next.user()) ? ""
                    : " with another UUID") + " (was " + previous + ")");
        }
    }

    /** Connections opened so far, and how many of them the kernel made MPTCP. */
    public long connections() {
        return connections.get();
    }

    public long mptcpConnections() {
        return mptcpConnections.get();
    }

    @Override
    public TcpFlow openTcp(Destination destination) throws FlowOpenException {
        Target t = target;
        Socket socket = connect(t, destination);
        try {
            socket.getOutputStream().write(VlessRequest.tcp(t.user(), destination).encode());
        } catch (IOException e) {
            closeQuietly(socket);
            throw new FlowOpenException(FlowError.UNREACHABLE, "VLESS server " + t + ": " + e.getMessage(), e);
        }
        return new VlessTcpFlow(socket, destination);
    }

    @Override
    public UdpFlow openUdp(Destination destination, Consumer<byte[]> receiver) throws FlowOpenException {
        VlessUdpFlow flow = new VlessUdpFlow(destination, receiver);
        flow.start(flow.open());
        return flow;
    }

    private Socket connect(Target t, Destination destination) throws FlowOpenException {
        String server = t.toString();
        InetAddress address;
        try {
            address = InetAddress.getByName(t.host());
        } catch (UnknownHostException e) {
            throw new FlowOpenException(FlowError.DNS_FAILED, "VLESS server " + server + " does not resolve", e);
        }
        StandardProtocolFamily family = address instanceof Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
        SocketChannel channel = null;
        boolean isMptcp = false;
        try {
            if (t.mptcp()) {
                try {
                    channel = Mptcp.open(family);
                    isMptcp = true;
                } catch (IOException | RuntimeException | LinkageError e) {
                    if (mptcpWarned.compareAndSet(false, true)) {
                        LOG.warning("VLESS transport: MPTCP unavailable (" + e.getMessage()
                                + "); connecting to " + server + " with plain TCP");
                    }
                }
            }
            if (channel == null) {
                channel = SocketChannel.open(family);
            }
            Socket socket = channel.socket();
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(address, t.port()), (int) connectTimeout.toMillis());
            connections.incrementAndGet();
            if (isMptcp) {
                mptcpConnections.incrementAndGet();
            }
            return socket;
        } catch (IOException e) {
            if (channel != null) {
                closeQuietly(channel);
            }
            FlowError error = e instanceof SocketTimeoutException ? FlowError.TIMED_OUT
                    : e instanceof ConnectException ? FlowError.REFUSED : FlowError.UNREACHABLE;
            throw new FlowOpenException(error, "VLESS server " + server + " for " + destination + ": "
                    + e.getMessage(), e);
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** Reads and checks the response header before the first payload byte. */
    private static final class ResponseStrippingInput extends InputStream {
        private final InputStream in;
        private final String what;
        private boolean headerRead;

        ResponseStrippingInput(InputStream in, String what) {
            this.in = in;
            this.what = what;
        }

        private void readHeader() throws IOException {
            if (headerRead) {
                return;
            }
            VlessDecoder<Integer> decoder = VlessResponse.decoder();
            byte[] one = new byte[1];
            while (decoder.next() == null) {
                int n = in.read(one);
                if (n < 0) {
                    throw new FlowResetException(FlowError.RESET, what
                            + ": the VLESS server closed the connection without an answer (destination unreachable,"
                            + " denied, or unknown UUID)");
                }
                decoder.feed(one, 0, 1);
            }
            headerRead = true;
        }

        @Override
        public int read() throws IOException {
            readHeader();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            readHeader();
            return in.read(b, off, len);
        }
    }

    private static final class VlessTcpFlow implements TcpFlow {
        private final Socket socket;
        private final InputStream input;
        private final OutputStream output;

        VlessTcpFlow(Socket socket, Destination destination) {
            this.socket = socket;
            try {
                this.input = new ResponseStrippingInput(socket.getInputStream(), "TCP " + destination);
                OutputStream raw = socket.getOutputStream();
                this.output = new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        raw.write(b);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        raw.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        if (!socket.isClosed() && !socket.isOutputShutdown()) {
                            socket.shutdownOutput();
                        }
                    }
                };
            } catch (IOException e) {
                throw new IllegalStateException("a connected socket has streams", e);
            }
        }

        @Override
        public InputStream input() {
            return input;
        }

        @Override
        public OutputStream output() {
            return output;
        }

        @Override
        public void reset(FlowError reason) {
            try {
                socket.setSoLinger(true, 0);
            } catch (IOException ignored) {
                // closing anyway
            }
            close();
        }

        @Override
        public void close() {
            closeQuietly(socket);
        }
    }

    /**
     * A UDP flow over one VLESS connection at a time: when that connection ends (idle for {@code udpIdleTimeout},
     * or closed by the server), the next packet opens a new one in the background (packets sent meanwhile wait, up
     * to {@value #PENDING_PACKETS}; more are dropped, as UDP may be).
     */
    private final class VlessUdpFlow implements UdpFlow {
        private static final int PENDING_PACKETS = 16;
        private final Destination destination;
        private final Consumer<byte[]> receiver;
        private final AtomicLong lastActivity = new AtomicLong(System.nanoTime());
        private final AtomicBoolean closed = new AtomicBoolean();
        /** The live connection, or null between connections; guarded by this. */
        private Socket socket;
        private boolean reconnecting;
        private final java.util.ArrayDeque<byte[]> pending = new java.util.ArrayDeque<>();

        VlessUdpFlow(Destination destination, Consumer<byte[]> receiver) {
            this.destination = destination;
            this.receiver = receiver;
        }

        /** A new connection with the request written. */
        Socket open() throws FlowOpenException {
            Target t = target;
            Socket s = connect(t, destination);
            try {
                s.getOutputStream().write(VlessRequest.udp(t.user(), destination).encode());
                return s;
            } catch (IOException e) {
                closeQuietly(s);
                throw new FlowOpenException(FlowError.UNREACHABLE, "VLESS server " + t + ": " + e.getMessage(), e);
            }
        }

        void start(Socket s) {
            synchronized (this) {
                if (closed.get()) {
                    closeQuietly(s);
                    return;
                }
                socket = s;
            }
            lastActivity.set(System.nanoTime());
            Thread.ofVirtual().name("vless-udp-" + destination).start(() -> readLoop(s));
        }

        private void readLoop(Socket s) {
            try {
                InputStream in = s.getInputStream();
                s.setSoTimeout((int) Math.min(udpIdleTimeout.toMillis(), 1000));
                VlessDecoder<Integer> response = VlessResponse.decoder();
                VlessDecoder<byte[]> packets = VlessUdpPackets.decoder();
                byte[] buf = new byte[16 * 1024];
                boolean headerSeen = false;
                while (!closed.get()) {
                    int n;
                    try {
                        n = in.read(buf);
                    } catch (SocketTimeoutException e) {
                        if (System.nanoTime() - lastActivity.get() > udpIdleTimeout.toNanos()) {
                            break;
                        }
                        continue;
                    }
                    if (n < 0) {
                        break;
                    }
                    lastActivity.set(System.nanoTime());
                    if (!headerSeen) {
                        response.feed(buf, 0, n);
                        if (response.next() == null) {
                            continue;
                        }
                        headerSeen = true;
                        packets.feed(response.drain());
                    } else {
                        packets.feed(buf, 0, n);
                    }
                    for (byte[] p; (p = packets.next()) != null; ) {
                        receiver.accept(p);
                    }
                }
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.fine(() -> "VLESS UDP " + destination + ": " + e.getMessage());
                }
            } finally {
                synchronized (this) {
                    if (socket == s) {
                        socket = null;
                    }
                }
                closeQuietly(s);
            }
        }

        @Override
        public void send(byte[] payload) {
            if (closed.get() || payload.length > VlessUdpPackets.MAX_PAYLOAD) {
                return;
            }
            lastActivity.set(System.nanoTime());
            byte[] framed = VlessUdpPackets.encode(payload);
            synchronized (this) {
                if (socket == null) {
                    if (pending.size() < PENDING_PACKETS) {
                        pending.add(framed);
                    }
                    if (!reconnecting) {
                        reconnecting = true;
                        Thread.ofVirtual().name("vless-udp-reconnect-" + destination).start(this::reconnect);
                    }
                    return;
                }
                try {
                    socket.getOutputStream().write(framed);
                } catch (IOException e) {
                    closeQuietly(socket);
                    socket = null;
                }
            }
        }

        private void reconnect() {
            Socket s = null;
            try {
                s = open();
            } catch (FlowOpenException e) {
                LOG.fine(() -> "VLESS UDP " + destination + ": reconnect failed: " + e.getMessage());
            }
            synchronized (this) {
                reconnecting = false;
                if (s == null) {
                    pending.clear();
                    return;
                }
                try {
                    for (byte[] framed; (framed = pending.poll()) != null; ) {
                        s.getOutputStream().write(framed);
                    }
                } catch (IOException e) {
                    closeQuietly(s);
                    pending.clear();
                    return;
                }
                if (closed.get()) {
                    closeQuietly(s);
                    return;
                }
                socket = s; // before the lock is released, so that no other send starts a second reconnect
            }
            lastActivity.set(System.nanoTime());
            Socket connected = s;
            Thread.ofVirtual().name("vless-udp-" + destination).start(() -> readLoop(connected));
        }

        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                synchronized (this) {
                    if (socket != null) {
                        closeQuietly(socket);
                        socket = null;
                    }
                    pending.clear();
                }
            }
        }
    }
}
