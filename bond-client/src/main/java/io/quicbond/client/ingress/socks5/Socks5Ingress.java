package io.quicbond.client.ingress.socks5;

import io.quicbond.client.ingress.DeadlineInputStream;
import io.quicbond.client.ingress.TcpIngress;
import io.quicbond.client.ingress.TcpAcceptor;
import io.quicbond.client.ingress.TcpRelay;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandResponse;
import io.quicbond.client.ingress.socks5.Socks5Message.Greeting;
import io.quicbond.client.ingress.socks5.Socks5Message.MethodSelection;
import io.quicbond.client.ingress.socks5.Socks5Message.PasswordRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.PasswordStatus;
import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowOpenException;
import io.quicbond.transport.FlowTransport;
import io.quicbond.transport.TcpFlow;

import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A SOCKS5 server (RFC 1928): CONNECT and UDP ASSOCIATE to IPv4, IPv6 and domain destinations, with no
 * authentication or RFC 1929 username/password, each connection turned into flows on a {@link FlowTransport}.
 * BIND is answered with 0x07 (command not supported).
 *
 * <p>Threads: one virtual thread accepts; each connection's handshake runs on a virtual thread of its own, then
 * a {@link TcpRelay} (CONNECT) or that same thread watching the control connection plus one more receiving
 * datagrams (UDP ASSOCIATE). The transport calls back with UDP replies on its own threads.
 * Bad input from a client gets the reply the protocol allows and a close; no exception escapes a connection.
 */
public final class Socks5Ingress extends TcpIngress {
    private static final System.Logger LOG = System.getLogger(Socks5Ingress.class.getName());

    private final Socks5Settings settings;
    private final FlowTransport transport;

    public Socks5Ingress(Socks5Settings settings, FlowTransport transport) {
        super("socks5", settings.listen());
        this.settings = settings;
        this.transport = transport;
    }

    @Override
    protected void handle(Socket socket) throws IOException {
        socket.setTcpNoDelay(true);
        var in = new DeadlineInputStream(socket, settings.handshakeTimeout());
        OutputStream out = socket.getOutputStream();
        CommandRequest request;
        try {
            if (!authenticate(in, out)) {
                socket.close();
                return;
            }
            try {
                request = Socks5Decoder.readCommandRequest(in);
            } catch (Socks5Exception e) {
                // RFC 1928 §6: "When a reply (REP value other than X'00') indicates a failure, the SOCKS server
                // MUST terminate the TCP connection shortly after sending the reply."
                LOG.log(System.Logger.Level.DEBUG, () -> "bad request from " + socket.getRemoteSocketAddress()
                        + ": " + e.getMessage());
                out.write(CommandResponse.failure(e.reply()).encode());
                socket.close();
                return;
            }
        } catch (Socks5Exception e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "bad handshake from " + socket.getRemoteSocketAddress()
                    + ": " + e.getMessage());
            socket.close();
            return;
        }
        in.clearDeadline();
        switch (request.command()) {
            case CONNECT -> connect(socket, out, request.destination());
            case UDP_ASSOCIATE -> associate(socket, in, out);
            case BIND -> {
                out.write(CommandResponse.failure(Socks5Reply.COMMAND_NOT_SUPPORTED).encode());
                socket.close();
            }
        }
    }

    /** Method negotiation and, when configured, RFC 1929; false when the client was turned away. */
    private boolean authenticate(DeadlineInputStream in, OutputStream out) throws IOException, Socks5Exception {
        Greeting greeting = Socks5Decoder.readGreeting(in);
        int wanted = settings.users().isEmpty() ? Greeting.NO_AUTH : Greeting.PASSWORD;
        if (!greeting.methods().contains(wanted)) {
            // RFC 1928 §3: "If the selected METHOD is X'FF', none of the methods listed by the client are
            // acceptable, and the client MUST close the connection."
            out.write(new MethodSelection(Greeting.NO_ACCEPTABLE).encode());
            return false;
        }
        out.write(new MethodSelection(wanted).encode());
        if (wanted == Greeting.NO_AUTH) {
            return true;
        }
        boolean ok;
        try {
            ok = passwordMatches(Socks5Decoder.readPasswordRequest(in));
        } catch (Socks5Exception e) {
            ok = false;
        }
        // RFC 1929 §2: "If the server returns a `failure' (STATUS value other than X'00') status, it MUST close
        // the connection."
        out.write(new PasswordStatus(ok ? 0x00 : 0x01).encode());
        return ok;
    }

    private boolean passwordMatches(PasswordRequest request) {
        String expected = settings.users().get(request.username());
        // Constant time, so the answer's timing says nothing about how much of the password was right.
        return expected != null && MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                request.password().getBytes(StandardCharsets.UTF_8));
    }

    private void connect(Socket socket, OutputStream out, Destination destination) throws IOException {
        TcpFlow flow;
        try {
            flow = transport.openTcp(destination);
        } catch (FlowOpenException e) {
            LOG.log(System.Logger.Level.DEBUG, () -> "CONNECT " + destination + " failed: " + e.getMessage());
            out.write(CommandResponse.failure(Socks5Reply.forFlowError(e.error())).encode());
            socket.close();
            return;
        }
        try {
            // BND.ADDR/BND.PORT would be the egress server's own socket, which this side does not know; clients
            // ignore them for CONNECT, so 0.0.0.0:0.
            out.write(new CommandResponse(Socks5Reply.SUCCEEDED, new Destination("0.0.0.0", 0)).encode());
        } catch (IOException e) {
            flow.close();
            throw e;
        }
        new TcpRelay(socket, socket.getInputStream(), flow).start();
    }

    /**
     * RFC 1928 §7. The request's DST.ADDR/DST.PORT are ignored: behind NAT they are often wrong, and clients send
     * zeros anyway. Datagrams are accepted only from the control connection's peer address; the first one's
     * source port fixes the client's port.
     */
    private void associate(Socket socket, DeadlineInputStream in, OutputStream out) throws IOException {
        var udp = new DatagramSocket(new InetSocketAddress(socket.getLocalAddress(), 0));
        var association = new Socks5UdpAssociation(udp, socket.getInetAddress(), transport);
        try {
            out.write(new CommandResponse(Socks5Reply.SUCCEEDED,
                    Destination.of(udp.getLocalAddress(), udp.getLocalPort())).encode());
            association.start();
            // RFC 1928 §7: "A UDP association terminates when the TCP connection that the UDP ASSOCIATE request
            // arrived on terminates."
            in.transferTo(OutputStream.nullOutputStream());
        } finally {
            association.close();
            socket.close();
        }
    }
}
