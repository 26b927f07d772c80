package io.quicbond.transport.session;

import io.quicbond.transport.FlowError;
import io.quicbond.transport.TcpFlow;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/** The application's view of a bond TCP flow (client side). */
final class ClientTcpFlow implements TcpFlow {
    private final ClientSession session;
    private final BondFlow flow;
    private final InputStream input;
    private final OutputStream output;

    ClientTcpFlow(ClientSession session, BondFlow flow) {
        this.session = session;
        this.flow = flow;
        this.input = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return flow.in.read(b, off, len);
            }
        };
        this.output = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[]{(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    flow.out.write(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("write interrupted");
                }
                session.wakeWriters();
            }

            @Override
            public void close() {
                flow.out.close();
                session.wakeWriters();
            }
        };
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
        session.resetFlow(flow, reason, "reset by the application");
    }

    @Override
    public void close() {
        flow.out.close();
        if (!flow.in.isFinished()) {
            flow.in.discard();
        }
        session.wakeWriters();
    }
}
