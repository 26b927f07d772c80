package io.quicbond.interop.bench;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The "internet" end of a test transfer: a TCP server that sinks uploads and sources downloads, and reports what
 * it saw. One virtual thread per connection; thread-safe.
 *
 * <p>Protocol, big-endian. Request: op (1 byte, 'U' or 'D'), check ({@link Check} code, 1 byte), size (8 bytes),
 * seed (8 bytes). Upload: the client sends its bytes and half-closes; the server answers with the count it read
 * (8), the longest gap between two reads in nanoseconds (8), the digest length (1) and the digest of what it read.
 * Download: the server sends {@code size} bytes of {@link Pattern}{@code (seed)}, then the digest length (1) and
 * the digest of what it sent, and closes.
 */
public final class TrafficServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TrafficServer.class.getName());
    static final int BUFFER = 64 * 1024;

    private final ServerSocket listener;
    private final Thread acceptor;

    private TrafficServer(ServerSocket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("traffic-accept").start(this::acceptLoop);
    }

    /** Listens on an ephemeral port of {@code bind}. */
    public static TrafficServer start(InetAddress bind) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(bind, 0), 64);
        return new TrafficServer(s);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            Socket socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                return;
            }
            Thread.ofVirtual().name("traffic-" + socket.getPort()).start(() -> {
                try (socket) {
                    socket.setTcpNoDelay(true);
                    serve(socket.getInputStream(), socket.getOutputStream());
                    socket.shutdownOutput();
                } catch (IOException e) {
                    LOG.log(Level.FINE, "traffic connection ended", e);
                }
            });
        }
    }

    /** Serves one request on any byte stream (a socket, a QUIC stream); returns when it is answered. */
    public static void serve(InputStream rawIn, OutputStream rawOut) throws IOException {
        DataInputStream in = new DataInputStream(rawIn);
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(rawOut, BUFFER));
        int op = in.read();
        if (op < 0) {
            return;
        }
        Check check = Check.of(in.readUnsignedByte());
        long size = in.readLong();
        long seed = in.readLong();
        switch (op) {
            case 'U' -> {
                Check.Running digest = check.start();
                byte[] buf = new byte[BUFFER];
                long count = 0;
                long maxGap = 0;
                long last = 0;
                int n;
                while ((n = rawIn.read(buf)) >= 0) {
                    long now = System.nanoTime();
                    if (count > 0) {
                        maxGap = Math.max(maxGap, now - last);
                    }
                    last = now;
                    digest.update(buf, 0, n);
                    count += n;
                }
                byte[] d = digest.finish();
                out.writeLong(count);
                out.writeLong(maxGap);
                out.writeByte(d.length);
                out.write(d);
                out.flush();
            }
            case 'D' -> {
                if (size < 0) {
                    throw new IOException("negative download size " + size);
                }
                Pattern pattern = new Pattern(seed);
                Check.Running digest = check.start();
                byte[] buf = new byte[BUFFER];
                long left = size;
                while (left > 0) {
                    int n = (int) Math.min(buf.length, left);
                    pattern.fill(buf, 0, n);
                    digest.update(buf, 0, n);
                    rawOut.write(buf, 0, n);
                    left -= n;
                }
                byte[] d = digest.finish();
                out.writeByte(d.length);
                out.write(d);
                out.flush();
            }
            default -> throw new EOFException("unknown request " + op);
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
        acceptor.interrupt();
    }
}
