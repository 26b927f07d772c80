package io.quicbond.client.ingress;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowResetException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;
import io.quicbond.transport.UdpFlow;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A transport with no bond: each flow is a plain socket straight to its destination, as the server's egress
 * would open it. Destinations can be scripted to fail with a given {@link FlowError}; every flow opened, reset and
 * closed is recorded.
 */
public final class FakeDirectTransport implements FlowTransport {
    private final Map<Destination, FlowError> failures = new ConcurrentHashMap<>();
    /** Every TCP flow opened, in order. */
    public final List<FakeTcpFlow> tcpFlows = new CopyOnWriteArrayList<>();
    /** Every UDP flow opened, in order. */
    public final List<FakeUdpFlow> udpFlows = new CopyOnWriteArrayList<>();

    /** Opening a flow to {@code destination} will fail with {@code error}. */
    public FakeDirectTransport failing(Destination destination, FlowError error) {
        failures.put(destination, error);
        return this;
    }

    @Override
    public TcpFlow openTcp(Destination destination) throws FlowOpenException {
        InetSocketAddress address = resolve(destination);
        var socket = new Socket();
        try {
            socket.connect(address, 5_000);
        } catch (ConnectException e) {
            throw new FlowOpenException(FlowError.REFUSED, "connection refused by " + destination, e);
        } catch (SocketTimeoutException e) {
            throw new FlowOpenException(FlowError.TIMED_OUT, destination + " did not answer", e);
        } catch (NoRouteToHostException e) {
            throw new FlowOpenException(FlowError.UNREACHABLE, "no route to " + destination, e);
        } catch (IOException e) {
            throw new FlowOpenException(FlowError.INTERNAL, "connect to " + destination + " failed", e);
        }
        var flow = new FakeTcpFlow(destination, socket);
        tcpFlows.add(flow);
        return flow;
    }

    @Override
    public UdpFlow openUdp(Destination destination, Consumer<byte[]> receiver) throws FlowOpenException {
        InetSocketAddress address = resolve(destination);
        try {
            var socket = new DatagramSocket();
            socket.connect(address);
            var flow = new FakeUdpFlow(destination, socket, receiver);
            udpFlows.add(flow);
            return flow;
        } catch (IOException e) {
            throw new FlowOpenException(FlowError.INTERNAL, "UDP socket for " + destination + " failed", e);
        }
    }

    private InetSocketAddress resolve(Destination destination) throws FlowOpenException {
        FlowError failure = failures.get(destination);
        if (failure != null) {
            throw new FlowOpenException(failure, "scripted failure for " + destination);
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(destination.host()), destination.port());
        } catch (UnknownHostException e) {
            throw new FlowOpenException(FlowError.DNS_FAILED, "cannot resolve " + destination.host(), e);
        }
    }

    /** A TCP flow over a plain socket; connection resets surface as {@link FlowResetException}. */
    public static final class FakeTcpFlow implements TcpFlow {
        public final Destination destination;
        /** Reasons passed to {@link #reset}, in order. */
        public final List<FlowError> resets = new CopyOnWriteArrayList<>();
        private final Socket socket;
        private final InputStream input;
        private final OutputStream output;
        private volatile boolean closed;

        FakeTcpFlow(Destination destination, Socket socket) throws FlowOpenException {
            this.destination = destination;
            this.socket = socket;
            try {
                this.input = new FilterInputStream(socket.getInputStream()) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        try {
                            return super.read(b, off, len);
                        } catch (SocketException e) {
                            throw new FlowResetException(FlowError.RESET, destination + ": " + e.getMessage());
                        }
                    }
                };
                this.output = new FilterOutputStream(socket.getOutputStream()) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        socket.shutdownOutput(); // half-close: a FIN to the destination
                    }
                };
            } catch (IOException e) {
                throw new FlowOpenException(FlowError.INTERNAL, "socket broke at once", e);
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
            resets.add(reason);
            TcpAcceptor.resetQuietly(socket);
            closed = true;
        }

        @Override
        public void close() {
            TcpAcceptor.closeQuietly(socket);
            closed = true;
        }

        public boolean isClosed() {
            return closed;
        }
    }

    /** A UDP flow over a connected datagram socket, with a virtual thread passing replies to the receiver. */
    public static final class FakeUdpFlow implements UdpFlow {
        public final Destination destination;
        private final DatagramSocket socket;
        private volatile boolean closed;

        FakeUdpFlow(Destination destination, DatagramSocket socket, Consumer<byte[]> receiver) {
            this.destination = destination;
            this.socket = socket;
            Thread.ofVirtual().name("fake-udp-" + destination).start(() -> {
                byte[] buffer = new byte[65535];
                var packet = new DatagramPacket(buffer, buffer.length);
                while (!closed) {
                    packet.setLength(buffer.length);
                    try {
                        socket.receive(packet);
                    } catch (IOException e) {
                        return;
                    }
                    receiver.accept(java.util.Arrays.copyOf(buffer, packet.getLength()));
                }
            });
        }

        @Override
        public void send(byte[] payload) {
            try {
                socket.send(new DatagramPacket(payload, payload.length));
            } catch (IOException e) {
                // UDP: a packet that cannot go is dropped
            }
        }

        @Override
        public void close() {
            closed = true;
            socket.close();
        }

        public boolean isClosed() {
            return closed;
        }
    }
}
