package io.quicbond.transport.compat.vless;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Turns bytes, in pieces of any size, into messages: {@link #feed} what arrived, then {@link #next} until it returns
 * {@code null} (a message is not complete yet). A decoder fed one byte at a time gives the same messages as one fed
 * everything at once. Bytes after a message stay buffered for the next one (or {@link #drain} them: the payload after
 * a VLESS header). Memory is bounded by the largest message plus what one {@link #feed} adds.
 *
 * <p>Not thread-safe: one reader thread per decoder.
 *
 * @param <T> the message type
 */
public final class VlessDecoder<T> {

    @FunctionalInterface
    interface Parser<T> {
        T parse(WireCursor in) throws WireCursor.Incomplete, VlessProtocolException;
    }

    private final Parser<T> parser;
    private byte[] buffer = new byte[256];
    private int start;
    private int end;
    private byte[] readBuffer;

    VlessDecoder(Parser<T> parser) {
        this.parser = parser;
    }

    /** Appends bytes. */
    public void feed(byte[] bytes, int offset, int length) {
        if (end + length > buffer.length) {
            int live = end - start;
            if (live + length > buffer.length) {
                byte[] bigger = new byte[Math.max(buffer.length * 2, live + length)];
                System.arraycopy(buffer, start, bigger, 0, live);
                buffer = bigger;
            } else {
                System.arraycopy(buffer, start, buffer, 0, live);
            }
            start = 0;
            end = live;
        }
        System.arraycopy(bytes, offset, buffer, end, length);
        end += length;
    }

    public void feed(byte[] bytes) {
        feed(bytes, 0, bytes.length);
    }

    /**
     * The next complete message, or {@code null} if the buffered bytes do not hold one yet.
     *
     * @throws VlessProtocolException if the buffered bytes cannot begin a valid message (the decoder is then useless)
     */
    public T next() throws VlessProtocolException {
        WireCursor cursor = new WireCursor(buffer, start, end);
        try {
            T message = parser.parse(cursor);
            start = cursor.position();
            if (start == end) {
                start = 0;
                end = 0;
            }
            return message;
        } catch (WireCursor.Incomplete e) {
            return null;
        }
    }

    /** Bytes buffered and not yet part of a returned message. */
    public int buffered() {
        return end - start;
    }

    /** Takes the buffered bytes out (e.g. the payload that came in one read with a header). */
    public byte[] drain() {
        byte[] out = Arrays.copyOfRange(buffer, start, end);
        start = 0;
        end = 0;
        return out;
    }

    /**
     * Blocks until a whole message is read from {@code in} (bytes beyond it stay buffered here).
     *
     * @return the message, or {@code null} when the stream ends cleanly between messages
     * @throws EOFException           if the stream ends inside a message
     * @throws VlessProtocolException if the bytes are not a valid message
     * @throws IOException            from the stream
     */
    public T read(InputStream in) throws IOException {
        while (true) {
            T message = next();
            if (message != null) {
                return message;
            }
            if (readBuffer == null) {
                readBuffer = new byte[16 * 1024];
            }
            int n = in.read(readBuffer);
            if (n < 0) {
                if (buffered() == 0) {
                    return null;
                }
                throw new EOFException("stream ended inside a message (" + buffered() + " bytes of it)");
            }
            feed(readBuffer, 0, n);
        }
    }
}
