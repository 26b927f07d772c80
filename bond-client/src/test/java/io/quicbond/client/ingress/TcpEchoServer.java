package io.quicbond.client.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A fixture TCP server on loopback. {@link Mode#ECHO} sends back what it reads and, at the client's FIN, sends its
 * own FIN (so half-close must work both ways for a client to see the end). {@link Mode#RESET_AFTER_FIRST_READ}
 * aborts with an RST as soon as it has read something. {@link Mode#GREET_AND_HALF_CLOSE} sends "hello" and its FIN
 * at once, then reads to the client's FIN and offers what it read in {@link #received()}.
 */
public final class TcpEchoServer implements AutoCloseable {
    public enum Mode { ECHO, RESET_AFTER_FIRST_READ, GREET_AND_HALF_CLOSE }

    private final ServerSocket server;
    private final Mode mode;
    private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

    public TcpEchoServer(Mode mode) throws IOException {
        this(InetAddress.getLoopbackAddress(), mode);
    }

    public TcpEchoServer(InetAddress address, Mode mode) throws IOException {
        this.mode = mode;
        this.server = new ServerSocket();
        server.bind(new InetSocketAddress(address, 0));
        Thread.ofVirtual().start(this::acceptLoop);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** In {@link Mode#GREET_AND_HALF_CLOSE}: everything each client sent, one entry per connection. */
    public BlockingQueue<String> received() {
        return received;
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (mode == Mode.GREET_AND_HALF_CLOSE) {
                out.write("hello".getBytes(StandardCharsets.UTF_8));
                s.shutdownOutput();
                received.add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                return;
            }
            byte[] buffer = new byte[8192];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (mode == Mode.RESET_AFTER_FIRST_READ) {
                    TcpAcceptor.resetQuietly(s);
                    return;
                }
                out.write(buffer, 0, n);
            }
            s.shutdownOutput();
        } catch (IOException e) {
            // the client went away
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
