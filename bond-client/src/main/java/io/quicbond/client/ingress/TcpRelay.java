package io.quicbond.client.ingress;

import io.quicbond.transport.FlowError;
import io.quicbond.transport.TcpFlow;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Copies bytes both ways between an accepted socket and a {@link TcpFlow}, one virtual thread per direction.
 * <ul>
 *   <li>Half-close travels: EOF from the socket closes the flow's output (a FIN end to end); EOF on the flow's
 *       input shuts the socket's output down.</li>
 *   <li>Resets travel: a flow that fails (e.g. {@link io.quicbond.transport.FlowResetException}) aborts the socket
 *       with an RST (SO_LINGER 0); a socket that fails resets the flow with {@link FlowError#RESET}.</li>
 *   <li>When both directions are done, or one was aborted, the socket and the flow are closed.</li>
 * </ul>
 *
 * <p>Threads: {@link #start()} once, from any thread; it returns at once. The relay then owns the socket and the
 * flow. {@link #join()} from any thread.
 */
public final class TcpRelay {
    /** Bytes copied per read, per direction. */
    public static final int BUFFER_SIZE = 32 * 1024;

    private static final System.Logger LOG = System.getLogger(TcpRelay.class.getName());

    private final Socket socket;
    private final InputStream socketInput;
    private final TcpFlow flow;
    private final AtomicInteger running = new AtomicInteger(2);
    private final AtomicBoolean aborted = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);

    /** Relays {@code socket}'s own input stream. */
    public TcpRelay(Socket socket, TcpFlow flow) throws IOException {
        this(socket, socket.getInputStream(), flow);
    }

    /**
     * @param socketInput what to read from the client: the socket's input, or a buffered stream over it that may
     *                    still hold bytes read past a proxy handshake
     */
    public TcpRelay(Socket socket, InputStream socketInput, TcpFlow flow) {
        this.socket = socket;
        this.socketInput = socketInput;
        this.flow = flow;
    }

    /** Starts both directions on two virtual threads and returns. */
    public void start() {
        Thread.ofVirtual().name("relay-up").start(this::upload);
        Thread.ofVirtual().name("relay-down").start(this::download);
    }

    /** Waits until both directions are done and the socket and flow are closed. */
    public void join() throws InterruptedException {
        done.await();
    }

    /** Client to destination. */
    private void upload() {
        byte[] buffer = new byte[BUFFER_SIZE];
        try {
            OutputStream out = flow.output();
            while (true) {
                int n;
                try {
                    n = socketInput.read(buffer);
                } catch (IOException | RuntimeException e) {
                    abortFlow(e);
                    return;
                }
                if (n < 0) {
                    break;
                }
                try {
                    out.write(buffer, 0, n);
                    out.flush();
                } catch (IOException | RuntimeException e) {
                    abortSocket(e);
                    return;
                }
            }
            try {
                out.close();
            } catch (IOException | RuntimeException e) {
                abortSocket(e);
            }
        } finally {
            finish();
        }
    }

    /** Destination to client. */
    private void download() {
        byte[] buffer = new byte[BUFFER_SIZE];
        try {
            InputStream in = flow.input();
            OutputStream out;
            try {
                out = socket.getOutputStream();
            } catch (IOException e) {
                abortFlow(e);
                return;
            }
            while (true) {
                int n;
                try {
                    n = in.read(buffer);
                } catch (IOException | RuntimeException e) {
                    abortSocket(e);
                    return;
                }
                if (n < 0) {
                    break;
                }
                try {
                    out.write(buffer, 0, n);
                } catch (IOException e) {
                    abortFlow(e);
                    return;
                }
            }
            try {
                socket.shutdownOutput();
            } catch (IOException e) {
                abortFlow(e);
            }
        } finally {
            finish();
        }
    }

    /** The flow failed: the client sees an RST, as it would from a direct connection that was reset. */
    private void abortSocket(Exception cause) {
        if (aborted.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "flow failed, resetting client " + socket.getRemoteSocketAddress()
                    + ": " + cause);
            TcpAcceptor.resetQuietly(socket);
            flow.close();
        }
    }

    /** The client's socket failed: the far end learns it through a reset of the flow. */
    private void abortFlow(Exception cause) {
        if (aborted.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.DEBUG, () -> "client " + socket.getRemoteSocketAddress()
                    + " failed, resetting flow: " + cause);
            flow.reset(FlowError.RESET);
            TcpAcceptor.closeQuietly(socket);
        }
    }

    private void finish() {
        if (running.decrementAndGet() == 0) {
            TcpAcceptor.closeQuietly(socket);
            flow.close();
            done.countDown();
        }
    }
}
