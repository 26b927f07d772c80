package io.quicbond.client.ingress.forward;

import io.quicbond.client.ingress.TcpIngress;
import io.quicbond.client.ingress.TcpAcceptor;
import io.quicbond.client.ingress.TcpRelay;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * A TCP port forward, like {@code ssh -L}: every connection to the listener becomes a flow to one fixed
 * destination. When the flow cannot open, the client's connection is reset (RST), as a direct connection to a
 * refusing host would be, rather than closed as if the destination had sent nothing.
 *
 * <p>Threads: one virtual thread accepts; each connection opens its flow on a virtual thread of its own, then a
 * {@link TcpRelay} takes over.
 */
public final class TcpForwardIngress extends TcpIngress {
    private static final System.Logger LOG = System.getLogger(TcpForwardIngress.class.getName());

    private final TcpForwardSettings settings;
    private final FlowTransport transport;

    public TcpForwardIngress(TcpForwardSettings settings, FlowTransport transport) {
        super("tcp-forward", settings.listen());
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    protected void handle(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        TcpFlow flow;
        try {
            flow = transport.openTcp(settings.destination());
        } catch (FlowOpenException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "forward to " + settings.destination() + " failed: "
                    + e.getMessage());
            TcpAcceptor.resetQuietly(socket);
            return;
        }
        new TcpRelay(socket, flow).start();
    }
}
