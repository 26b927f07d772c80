package io.quicbond.transport.engine.quiche;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.quic.DefaultQuicStreamFrame;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamResetException;
import io.netty.util.ReferenceCountUtil;
import io.quicbond.transport.engine.LinkStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One QUIC stream of a {@link QuicheLink}, bridged from netty's asynchronous stream channel to blocking streams.
 *
 * <p>Reading: the channel's event loop queues every received buffer; past {@link #READ_PAUSE_BYTES} queued it
 * turns autoRead off, so quiche keeps the rest and its flow control holds the peer back; the reader turns it on
 * again once the queue is down to {@link #READ_RESUME_BYTES}. The peer's FIN is end of stream ({@code -1}); a
 * reset stream or a connection that ends first is an {@link IOException}.
 *
 * <p>Writing: each write is copied into direct buffers of at most {@link #WRITE_CHUNK_BYTES}, each written and
 * flushed on the event loop. A write blocks while more than {@link #MAX_UNACCEPTED_BYTES} are not yet taken by
 * quiche, or while the stream is not writable (no stream or connection credit, quiche's send buffer full) with
 * anything outstanding; so netty's queue stays bounded. {@link OutputStream#close()} sends FIN after the data.
 *
 * <p>Threads: the input and the output may each be used by one thread (virtual threads are fine) at the same
 * time; neither may be used on an event loop thread, where they would deadlock.
 */
final class QuicheStream implements LinkStream {
    static final int READ_PAUSE_BYTES = 1 << 20;
    static final int READ_RESUME_BYTES = 256 << 10;
    static final int WRITE_CHUNK_BYTES = 64 << 10;
    static final int MAX_UNACCEPTED_BYTES = 512 << 10;

    private final QuicStreamChannel channel;
    /** Why the connection ended, for error messages; null while it is open. */
    private final Supplier<String> connectionCloseReason;
    private final ReentrantLock lock = new ReentrantLock();
    /**
     * Two conditions, so that each received packet wakes only the reader and each write completion only the
     * writer: with one, a writer blocked on credit was woken (and went back to sleep) for every packet read.
     */
    private final Condition readable = lock.newCondition();
    private final Condition writable = lock.newCondition();
    private final Input input = new Input();
    private final Output output = new Output();

    // Guarded by lock.
    private final ArrayDeque<ByteBuf> received = new ArrayDeque<>();
    private long queuedBytes;
    private boolean readPaused;
    private boolean finReceived;
    /** Data arrived on an empty queue in this read cycle: the reader is woken when the cycle completes. */
    private boolean wakeReader;
    private boolean inputClosed;
    private IOException readFailure;
    private long unacceptedBytes;
    private boolean outputClosed;
    private IOException writeFailure;
    private boolean channelClosed;

    QuicheStream(QuicStreamChannel channel, Supplier<String> connectionCloseReason) {
        this.channel = channel;
        this.connectionCloseReason = connectionCloseReason;
        // FIN from the peer ends our input only; without this netty closes the whole stream (and our side).
        channel.config().setAllowHalfClosure(true);
        channel.pipeline().addLast("quicbond-stream", new Handler());
    }

    @Override
    public InputStream input() {
        return input;
    }

    @Override
    public OutputStream output() {
        return output;
    }

    long streamId() {
        return channel.streamId();
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            lock.lock();
            try {
                if (inputClosed || !buf.isReadable()) {
                    buf.release();
                    return;
                }
                boolean wasEmpty = received.isEmpty();
                received.add(buf);
                queuedBytes += buf.readableBytes();
                if (queuedBytes >= READ_PAUSE_BYTES && channel.config().isAutoRead()) {
                    readPaused = true;
                    channel.config().setAutoRead(false);
                }
                if (wasEmpty) {
                    // The reader waits only on an empty queue (more data behind unread data needs no wake-up),
                    // and it is woken once per read cycle of the event loop, not once per packet.
                    wakeReader = true;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            lock.lock();
            try {
                if (wakeReader) {
                    wakeReader = false;
                    readable.signal();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent) {
                lock.lock();
                try {
                    finReceived = true;
                    readable.signalAll();
                } finally {
                    lock.unlock();
                }
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            signalWritable();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            IOException failure = cause instanceof QuicStreamResetException reset
                    ? new IOException("stream " + channel.streamId() + " reset by the peer (code "
                            + reset.applicationProtocolCode() + ")", cause)
                    : new IOException("stream " + channel.streamId() + " failed: " + cause, cause);
            lock.lock();
            try {
                if (readFailure == null && !finReceived) {
                    readFailure = failure;
                }
                readable.signalAll();
                writable.signalAll();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            lock.lock();
            try {
                channelClosed = true;
                if (!finReceived) {
                    // The stream died before its end: what is queued is an incomplete tail nobody can use.
                    received.forEach(ByteBuf::release);
                    received.clear();
                    queuedBytes = 0;
                }
                readable.signalAll();
                writable.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    private void signalWritable() {
        lock.lock();
        try {
            writable.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private IOException closedException(String what) {
        String reason = connectionCloseReason.get();
        return new IOException(what + " on stream " + channel.streamId() + ": "
                + (reason != null ? "connection closed: " + reason : "stream closed"));
    }

    private static InterruptedIOException interrupted() {
        Thread.currentThread().interrupt();
        return new InterruptedIOException("interrupted while waiting on a QUIC stream");
    }

    private final class Input extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            lock.lock();
            try {
                while (received.isEmpty()) {
                    if (inputClosed) {
                        throw new IOException("input of stream " + channel.streamId() + " is closed");
                    }
                    if (finReceived) {
                        return -1;
                    }
                    if (readFailure != null) {
                        throw readFailure;
                    }
                    if (channelClosed) {
                        throw closedException("read failed");
                    }
                    try {
                        readable.await();
                    } catch (InterruptedException e) {
                        throw interrupted();
                    }
                }
                int total = 0;
                while (total < len && !received.isEmpty()) {
                    ByteBuf head = received.peek();
                    int n = Math.min(len - total, head.readableBytes());
                    head.readBytes(b, off + total, n);
                    total += n;
                    if (!head.isReadable()) {
                        received.poll().release();
                    }
                }
                queuedBytes -= total;
                if (readPaused && queuedBytes <= READ_RESUME_BYTES) {
                    readPaused = false;
                    resumeReading();
                }
                return total;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return (int) Math.min(Integer.MAX_VALUE, queuedBytes);
            } finally {
                lock.unlock();
            }
        }

        /** Drops what is queued and, unless the peer already finished, asks it to stop sending (STOP_SENDING). */
        @Override
        public void close() {
            boolean stopSending;
            lock.lock();
            try {
                if (inputClosed) {
                    return;
                }
                inputClosed = true;
                stopSending = !finReceived && !channelClosed && readFailure == null;
                received.forEach(ByteBuf::release);
                received.clear();
                queuedBytes = 0;
                readable.signalAll();
            } finally {
                lock.unlock();
            }
            resumeReading();
            if (stopSending) {
                channel.shutdownInput(0);
            }
        }

        private void resumeReading() {
            try {
                channel.eventLoop().execute(() -> {
                    boolean resume;
                    lock.lock();
                    try {
                        resume = !readPaused;
                    } finally {
                        lock.unlock();
                    }
                    if (resume && channel.isActive()) {
                        channel.config().setAutoRead(true);
                    }
                });
            } catch (RejectedExecutionException e) {
                // The engine is shutting down; nothing more will arrive anyway.
            }
        }
    }

    private final class Output extends OutputStream {
        @Override
        public void write(int b) throws IOException {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
                int n = Math.min(len, WRITE_CHUNK_BYTES);
                awaitRoom();
                ByteBuf buf = channel.alloc().directBuffer(n);
                buf.writeBytes(b, off, n);
                submit(buf, n);
                off += n;
                len -= n;
            }
        }

        /** Blocks until the stream may take another chunk; throws if it never will. */
        private void awaitRoom() throws IOException {
            lock.lock();
            try {
                while (true) {
                    checkWritable();
                    boolean blocked = unacceptedBytes >= MAX_UNACCEPTED_BYTES
                            || (unacceptedBytes > 0 && !channel.isWritable());
                    if (!blocked) {
                        return;
                    }
                    try {
                        writable.await();
                    } catch (InterruptedException e) {
                        throw interrupted();
                    }
                }
            } finally {
                lock.unlock();
            }
        }

        private void checkWritable() throws IOException {
            if (outputClosed) {
                throw new IOException("output of stream " + channel.streamId() + " is closed");
            }
            if (writeFailure != null) {
                throw writeFailure;
            }
            if (channelClosed) {
                throw closedException("write failed");
            }
        }

        private void submit(Object message, int bytes) {
            lock.lock();
            try {
                unacceptedBytes += bytes;
            } finally {
                lock.unlock();
            }
            ChannelFuture future = channel.writeAndFlush(message);
            future.addListener(f -> {
                lock.lock();
                try {
                    unacceptedBytes -= bytes;
                    if (!f.isSuccess() && writeFailure == null) {
                        Throwable cause = f.cause();
                        writeFailure = cause instanceof ClosedChannelException || channelClosed
                                ? closedException("write failed")
                                : new IOException("write failed on stream " + channel.streamId() + ": " + cause, cause);
                    }
                    writable.signalAll();
                } finally {
                    lock.unlock();
                }
            });
        }

        @Override
        public void flush() throws IOException {
            // Every write is flushed on the event loop already; report a failure as early as possible.
            lock.lock();
            try {
                if (!outputClosed) {
                    checkWritable();
                }
            } finally {
                lock.unlock();
            }
        }

        /**
         * Sends FIN after everything written so far and waits until quiche has taken all of it (not until the
         * peer has it). Idempotent.
         */
        @Override
        public void close() throws IOException {
            lock.lock();
            try {
                if (outputClosed) {
                    return;
                }
                checkWritable();
                outputClosed = true;
            } finally {
                lock.unlock();
            }
            // Through the ordinary write path (not shutdownOutput(), which jumps netty's queue), so that FIN goes
            // after the pending data; it counts as one byte until quiche has taken it.
            submit(new DefaultQuicStreamFrame(Unpooled.EMPTY_BUFFER, true), 1);
            lock.lock();
            try {
                while (unacceptedBytes > 0 && writeFailure == null && !channelClosed) {
                    try {
                        writable.await();
                    } catch (InterruptedException e) {
                        throw interrupted();
                    }
                }
                if (writeFailure != null) {
                    throw writeFailure;
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
