package io.quicbond.interop.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A plain TCP relay, the baseline the bond is compared with: for each accepted connection it connects to the
 * target and copies bytes both ways with one thread per direction (64 KiB buffers), passing half-closes on.
 * Platform threads, as a simple proxy would have. Thread-safe.
 */
public final class TcpRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final InetSocketAddress target;

    private TcpRelay(ServerSocket listener, InetSocketAddress target) {
        this.listener = listener;
        this.target = target;
        Thread.ofPlatform().daemon().name("relay-accept").start(this::acceptLoop);
    }

    public static TcpRelay start(InetAddress bind, InetSocketAddress target) throws IOException {
        ServerSocket s = new ServerSocket();
        s.bind(new InetSocketAddress(bind, 0), 64);
        return new TcpRelay(s, target);
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket upstream = new Socket();
                upstream.connect(target, 10_000);
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                AtomicInteger open = new AtomicInteger(2);
                pump(client, upstream, "relay-up", open);
                pump(upstream, client, "relay-down", open);
            } catch (IOException e) {
                if (listener.isClosed()) {
                    return;
                }
            }
        }
    }

    private static void pump(Socket from, Socket to, String name, AtomicInteger open) {
        Thread.ofPlatform().daemon().name(name).start(() -> {
            byte[] buf = new byte[TrafficServer.BUFFER];
            try {
                InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream();
                int n;
                while ((n = in.read(buf)) >= 0) {
                    out.write(buf, 0, n);
                }
                to.shutdownOutput();
                if (open.decrementAndGet() == 0) {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            } catch (IOException e) {
                closeQuietly(from);
                closeQuietly(to);
            }
        });
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
    }
}
