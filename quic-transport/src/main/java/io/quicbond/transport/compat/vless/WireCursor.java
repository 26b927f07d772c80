package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the fields VLESS and Mux.Cool share from a byte array, and signals input that ends too early with
 * {@link Incomplete} (so that a decoder can wait for more bytes and retry from the start). Not thread-safe; one per
 * decode attempt.
 */
final class WireCursor {

    /** Address types, as VLESS and Mux.Cool number them (port first, then type, then address). */
    static final int ADDRESS_IPV4 = 1;
    static final int ADDRESS_DOMAIN = 2;
    static final int ADDRESS_IPV6 = 3;

    /** Thrown when the input ends before the message does; no stack trace, it is control flow. */
    static final class Incomplete extends Exception {
        static final Incomplete INSTANCE = new Incomplete();

        private Incomplete() {
            super("incomplete", null, false, false);
        }
    }

    private final byte[] bytes;
    private final int limit;
    private int position;

    WireCursor(byte[] bytes, int offset, int limit) {
        this.bytes = bytes;
        this.position = offset;
        this.limit = limit;
    }

    int position() {
        return position;
    }

    int remaining() {
        return limit - position;
    }

    int u8() throws Incomplete {
        need(1);
        return bytes[position++] & 0xff;
    }

    int u16() throws Incomplete {
        need(2);
        int value = ((bytes[position] & 0xff) << 8) | (bytes[position + 1] & 0xff);
        position += 2;
        return value;
    }

    byte[] take(int length) throws Incomplete {
        need(length);
        byte[] out = new byte[length];
        System.arraycopy(bytes, position, out, 0, length);
        position += length;
        return out;
    }

    void skip(int length) throws Incomplete {
        need(length);
        position += length;
    }

    private void need(int length) throws Incomplete {
        if (limit - position < length) {
            throw Incomplete.INSTANCE;
        }
    }

    /** Port (u16), address type (u8) and address, the order VLESS and Mux.Cool use. */
    Destination portThenAddress() throws Incomplete, VlessProtocolException {
        int port = u16();
        int type = u8();
        try {
            return switch (type) {
                case ADDRESS_IPV4 -> new Destination(InetAddress.getByAddress(take(4)).getHostAddress(), port);
                case ADDRESS_IPV6 -> Destination.of(InetAddress.getByAddress(take(16)), port);
                case ADDRESS_DOMAIN -> new Destination(domain(take(domainLength())), port);
                default -> throw new VlessProtocolException("unknown address type " + type);
            };
        } catch (UnknownHostException e) {
            throw new IllegalStateException("a 4- or 16-byte address is always valid", e);
        }
    }

    private int domainLength() throws Incomplete, VlessProtocolException {
        int length = u8();
        if (length == 0) {
            throw new VlessProtocolException("empty domain name");
        }
        return length;
    }

    /** A host name as the bond accepts them: letters, digits, '-', '.', '_'. */
    private static String domain(byte[] raw) throws VlessProtocolException {
        for (byte b : raw) {
            boolean ok = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
                    || b == '-' || b == '.' || b == '_';
            if (!ok) {
                throw new VlessProtocolException("domain name with byte 0x" + Integer.toHexString(b & 0xff));
            }
        }
        return new String(raw, StandardCharsets.US_ASCII);
    }

    /** Writes port, address type and address. */
    static void writePortThenAddress(ByteArrayOutputStream out, Destination destination) {
        out.write(destination.port() >>> 8);
        out.write(destination.port());
        switch (destination.kind()) {
            case IPV4 -> {
                out.write(ADDRESS_IPV4);
                out.writeBytes(destination.literalAddress().getAddress());
            }
            case IPV6 -> {
                out.write(ADDRESS_IPV6);
                out.writeBytes(destination.literalAddress().getAddress());
            }
            case DOMAIN -> {
                byte[] name = destination.host().getBytes(StandardCharsets.US_ASCII);
                out.write(ADDRESS_DOMAIN);
                out.write(name.length);
                out.writeBytes(name);
            }
        }
    }
}
