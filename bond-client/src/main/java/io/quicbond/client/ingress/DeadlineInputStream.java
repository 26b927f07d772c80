package io.quicbond.client.ingress;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;

/**
 * A socket's input with one deadline for the whole handshake, not per read: a client that trickles one byte
 * every few seconds (slowloris) still runs out of time. Before each read the socket's SO_TIMEOUT is set to the
 * time left. {@link #clearDeadline()} ends the handshake; later reads block as long as they need.
 *
 * <p>Threads: one reader at a time, as for any socket input stream.
 */
public final class DeadlineInputStream extends InputStream {
    private final Socket socket;
    private final InputStream in;
    private final long deadlineNanos;
    private boolean armed = true;

    /** @throws IOException if the socket is closed already */
    public DeadlineInputStream(Socket socket, Duration timeout) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
    }

    /** Ends the handshake: no more deadline, and the socket's SO_TIMEOUT back to infinite. */
    public void clearDeadline() throws SocketException {
        armed = false;
        socket.setSoTimeout(0);
    }

    @Override
    public int read() throws IOException {
        arm();
        return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        arm();
        return in.read(b, off, len);
    }

    @Override
    public int available() throws IOException {
        return in.available();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private void arm() throws IOException {
        if (!armed) {
            return;
        }
        long leftNanos = deadlineNanos - System.nanoTime();
        if (leftNanos <= 0) {
            throw new SocketTimeoutException("handshake timed out");
        }
        // SO_TIMEOUT 0 means "forever", so never round down to it.
        socket.setSoTimeout((int) Math.clamp(Duration.ofNanos(leftNanos).toMillis() + 1, 1, Integer.MAX_VALUE));
    }
}
