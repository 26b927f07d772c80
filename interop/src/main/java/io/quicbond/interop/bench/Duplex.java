package io.quicbond.interop.bench;

import io.quicbond.transport.TcpFlow;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;

/**
 * A byte stream each way with a half-close: a TCP socket, a bond flow or a QUIC stream, so that the same test
 * traffic runs over each. Input and output may be used by two threads at once.
 */
public interface Duplex extends AutoCloseable {
    InputStream input() throws IOException;

    OutputStream output() throws IOException;

    /** Sends FIN: the peer reads end of stream, and can still answer. */
    void halfClose() throws IOException;

    @Override
    void close();

    static Duplex of(Socket socket) {
        return new Duplex() {
            @Override
            public InputStream input() throws IOException {
                return socket.getInputStream();
            }

            @Override
            public OutputStream output() throws IOException {
                return socket.getOutputStream();
            }

            @Override
            public void halfClose() throws IOException {
                socket.shutdownOutput();
            }

            @Override
            public void close() {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // nothing left to do with it
                }
            }
        };
    }

    static Duplex of(TcpFlow flow) {
        return new Duplex() {
            @Override
            public InputStream input() {
                return flow.input();
            }

            @Override
            public OutputStream output() {
                return flow.output();
            }

            @Override
            public void halfClose() throws IOException {
                flow.output().close();
            }

            @Override
            public void close() {
                flow.close();
            }
        };
    }

    /** Streams whose output's {@code close()} is a half-close (a QUIC stream's FIN). */
    static Duplex of(InputStream in, OutputStream out, Runnable close) {
        return new Duplex() {
            @Override
            public InputStream input() {
                return in;
            }

            @Override
            public OutputStream output() {
                return out;
            }

            @Override
            public void halfClose() throws IOException {
                out.close();
            }

            @Override
            public void close() {
                close.run();
            }
        };
    }
}
