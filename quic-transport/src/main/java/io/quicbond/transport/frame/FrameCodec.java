package io.quicbond.transport.frame;

import io.quicbond.transport.Destination;
import io.quicbond.transport.FlowError;
import io.quicbond.transport.scheduler.Policy;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Encodes and decodes bond frames (docs/protocol.md). On a stream each frame is
 * {@code type:u8 length:u32 body[length]}; a datagram holds one frame without the length. Decoding treats input
 * as hostile: every length is checked against what remains and against {@link #MAX_FRAME_BODY}.
 * Stateless and thread-safe.
 */
public final class FrameCodec {
    public static final int VERSION = 1;
    public static final String ALPN = "quicbond/1";
    /** Largest frame body accepted; DATA chunks are far smaller, this only bounds what a peer can make us buffer. */
    public static final int MAX_FRAME_BODY = 1 << 20;
    public static final int HEADER_BYTES = 5;
    /** DATA header inside the body: flowId u32, offset u64, flags u8. */
    public static final int DATA_BODY_OVERHEAD = 4 + 8 + 1;

    static final int HELLO = 0x01;
    static final int WELCOME = 0x02;
    static final int OPEN = 0x10;
    static final int OPEN_RESULT = 0x11;
    static final int DATA = 0x12;
    static final int ACK = 0x13;
    static final int RESET = 0x14;
    static final int UDP = 0x15;
    static final int PING = 0x20;
    static final int PONG = 0x21;
    static final int UPLINK_GONE = 0x22;
    static final int UPLINK_SETTINGS = 0x23;
    static final int PATH_ACK = 0x24;

    private static final int ADDR_IPV4 = 1;
    private static final int ADDR_DOMAIN = 3;
    private static final int ADDR_IPV6 = 4;

    private FrameCodec() {
    }

    // ---- encoding ----

    /** The frame with its stream header (type, length). */
    public static byte[] encode(Frame frame) {
        byte[] body = encodeBody(frame);
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + body.length);
        out.put((byte) typeOf(frame)).putInt(body.length).put(body);
        return out.array();
    }

    /** The frame as one datagram: type then body, no length. */
    public static byte[] encodeDatagram(Frame frame) {
        byte[] body = encodeBody(frame);
        byte[] out = new byte[1 + body.length];
        out[0] = (byte) typeOf(frame);
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /**
     * Writes a DATA frame header for {@code length} payload bytes into {@code out} at {@code pos}, so that the
     * payload can be copied straight from the send buffer behind it. Returns the new position.
     */
    public static int writeDataHeader(byte[] out, int pos, int flowId, long offset, boolean fin, int length) {
        ByteBuffer b = ByteBuffer.wrap(out, pos, HEADER_BYTES + DATA_BODY_OVERHEAD);
        b.put((byte) DATA).putInt(DATA_BODY_OVERHEAD + length).putInt(flowId).putLong(offset).put((byte) (fin ? 1 : 0));
        return pos + HEADER_BYTES + DATA_BODY_OVERHEAD;
    }

    static int typeOf(Frame frame) {
        return switch (frame) {
            case Frame.Hello h -> HELLO;
            case Frame.Welcome w -> WELCOME;
            case Frame.Open o -> OPEN;
            case Frame.OpenResult r -> OPEN_RESULT;
            case Frame.Data d -> DATA;
            case Frame.Ack a -> ACK;
            case Frame.Reset r -> RESET;
            case Frame.Udp u -> UDP;
            case Frame.Ping p -> PING;
            case Frame.Pong p -> PONG;
            case Frame.UplinkGone g -> UPLINK_GONE;
            case Frame.UplinkSettings u -> UPLINK_SETTINGS;
            case Frame.PathAck p -> PATH_ACK;
        };
    }

    static byte[] encodeBody(Frame frame) {
        return switch (frame) {
            case Frame.Hello h -> {
                byte[] name = utf8(h.uplinkName());
                byte[] user = utf8(h.user());
                ByteBuffer b = ByteBuffer.allocate(1 + 16 + 1 + name.length + 1 + user.length + 1 + h.secret().length);
                b.put((byte) h.version()).put(h.sessionId());
                putShortBytes(b, name);
                putShortBytes(b, user);
                putShortBytes(b, h.secret());
                yield b.array();
            }
            case Frame.Welcome w -> ByteBuffer.allocate(5).putInt(w.uplinkId()).put((byte) (w.sessionResumed() ? 1 : 0)).array();
            case Frame.Open o -> {
                byte[] addr = encodeAddress(o.destination());
                ByteBuffer b = ByteBuffer.allocate(4 + 1 + addr.length + 2 + 8 + 1);
                b.putInt(o.flowId()).put((byte) (o.protocol() == Frame.Protocol.TCP ? 1 : 2)).put(addr)
                        .putShort((short) o.destination().port()).putLong(o.window()).put((byte) o.policy().ordinal());
                yield b.array();
            }
            case Frame.OpenResult r -> {
                byte[] msg = utf8(r.message() == null ? "" : r.message());
                ByteBuffer b = ByteBuffer.allocate(4 + 1 + 8 + 1 + msg.length);
                b.putInt(r.flowId()).put((byte) (r.error() == null ? 0 : r.error().code())).putLong(r.window());
                putShortBytes(b, msg);
                yield b.array();
            }
            case Frame.Data d -> {
                ByteBuffer b = ByteBuffer.allocate(DATA_BODY_OVERHEAD + d.payload().length);
                b.putInt(d.flowId()).putLong(d.offset()).put((byte) (d.fin() ? 1 : 0)).put(d.payload());
                yield b.array();
            }
            case Frame.Ack a -> ByteBuffer.allocate(20).putInt(a.flowId()).putLong(a.received()).putLong(a.limit()).array();
            case Frame.Reset r -> {
                byte[] msg = utf8(r.message() == null ? "" : r.message());
                ByteBuffer b = ByteBuffer.allocate(4 + 1 + 1 + msg.length);
                b.putInt(r.flowId()).put((byte) r.reason().code());
                putShortBytes(b, msg);
                yield b.array();
            }
            case Frame.Udp u -> ByteBuffer.allocate(8 + u.payload().length)
                    .putInt(u.flowId()).putInt((int) u.sequence()).put(u.payload()).array();
            case Frame.Ping p -> ByteBuffer.allocate(16).putLong(p.id()).putLong(p.sentNanos()).array();
            case Frame.Pong p -> ByteBuffer.allocate(16).putLong(p.id()).putLong(p.sentNanos()).array();
            case Frame.UplinkGone g -> ByteBuffer.allocate(4).putInt(g.uplinkId()).array();
            case Frame.UplinkSettings u -> ByteBuffer.allocate(1 + 2 + 8 + 8).put((byte) (u.primary() ? 1 : 0))
                    .putShort((short) u.weightHundredths()).putLong(u.upBitsPerSecond()).putLong(u.downBitsPerSecond())
                    .array();
            case Frame.PathAck p -> ByteBuffer.allocate(8).putLong(p.received()).array();
        };
    }

    private static byte[] encodeAddress(Destination d) {
        return switch (d.kind()) {
            case IPV4 -> concat(ADDR_IPV4, d.literalAddress().getAddress());
            case IPV6 -> concat(ADDR_IPV6, d.literalAddress().getAddress());
            case DOMAIN -> {
                byte[] name = d.host().getBytes(StandardCharsets.US_ASCII);
                byte[] out = new byte[2 + name.length];
                out[0] = ADDR_DOMAIN;
                out[1] = (byte) name.length;
                System.arraycopy(name, 0, out, 2, name.length);
                yield out;
            }
        };
    }

    private static byte[] concat(int type, byte[] bytes) {
        byte[] out = new byte[1 + bytes.length];
        out[0] = (byte) type;
        System.arraycopy(bytes, 0, out, 1, bytes.length);
        return out;
    }

    private static void putShortBytes(ByteBuffer b, byte[] bytes) {
        if (bytes.length > 255) {
            throw new IllegalArgumentException("field longer than 255 bytes");
        }
        b.put((byte) bytes.length).put(bytes);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ---- decoding ----

    /**
     * Reads one frame from a bond stream; returns null at a clean end of stream (between frames).
     *
     * @throws BondProtocolException on a malformed frame
     * @throws IOException           when the stream fails or ends inside a frame
     */
    public static Frame read(DataInputStream in) throws IOException, BondProtocolException {
        int type = in.read();
        if (type < 0) {
            return null;
        }
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME_BODY) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "frame length " + Integer.toUnsignedString(length)
                    + " exceeds " + MAX_FRAME_BODY);
        }
        if (type == DATA && length >= DATA_BODY_OVERHEAD) {
            // The bulk of the traffic: the payload is read straight into its own array instead of into a body
            // array that decodeBody would copy it out of again.
            int flowId = in.readInt();
            long offset = in.readLong();
            int flags = in.readUnsignedByte();
            byte[] payload = new byte[length - DATA_BODY_OVERHEAD];
            in.readFully(payload);
            return data(flowId, offset, flags, payload);
        }
        byte[] body = new byte[length];
        in.readFully(body);
        return decodeBody(type, ByteBuffer.wrap(body));
    }

    private static Frame.Data data(int flowId, long offset, int flags, byte[] payload) throws BondProtocolException {
        nonNegative(offset, "offset");
        if ((flags & ~1) != 0) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unknown DATA flags " + flags);
        }
        if (offset + payload.length < offset) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "offset overflow");
        }
        return new Frame.Data(flowId, offset, flags == 1, payload);
    }

    /** Decodes a datagram (type then body). */
    public static Frame decodeDatagram(byte[] datagram) throws BondProtocolException {
        if (datagram.length < 1) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "empty datagram");
        }
        return decodeBody(datagram[0] & 0xff, ByteBuffer.wrap(datagram, 1, datagram.length - 1).slice());
    }

    /** Decodes a stream-framed byte array (header + body), for tests and fuzzing. */
    public static Frame decode(byte[] framed) throws BondProtocolException {
        try {
            Frame f = read(new DataInputStream(new java.io.ByteArrayInputStream(framed)));
            if (f == null) {
                throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "no frame");
            }
            return f;
        } catch (EOFException e) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "truncated frame");
        } catch (IOException e) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unreadable frame: " + e.getMessage());
        }
    }

    static Frame decodeBody(int type, ByteBuffer b) throws BondProtocolException {
        try {
            Frame frame = switch (type) {
                case HELLO -> {
                    int version = b.get() & 0xff;
                    byte[] session = new byte[16];
                    b.get(session);
                    String name = utf8String(shortBytes(b));
                    String user = utf8String(shortBytes(b));
                    byte[] secret = shortBytes(b);
                    yield new Frame.Hello(version, session, name, user, secret);
                }
                case WELCOME -> new Frame.Welcome(b.getInt(), b.get() != 0);
                case OPEN -> {
                    int flowId = b.getInt();
                    int proto = b.get() & 0xff;
                    if (proto != 1 && proto != 2) {
                        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unknown flow protocol " + proto);
                    }
                    String host = decodeHost(b);
                    int port = b.getShort() & 0xffff;
                    long window = nonNegative(b.getLong(), "window");
                    int policy = b.get() & 0xff;
                    if (policy >= Policy.values().length) {
                        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unknown policy " + policy);
                    }
                    yield new Frame.Open(flowId, proto == 1 ? Frame.Protocol.TCP : Frame.Protocol.UDP,
                            new Destination(host, port), window, Policy.values()[policy]);
                }
                case OPEN_RESULT -> {
                    int flowId = b.getInt();
                    int code = b.get() & 0xff;
                    long window = nonNegative(b.getLong(), "window");
                    String msg = utf8String(shortBytes(b));
                    yield new Frame.OpenResult(flowId, code == 0 ? null : FlowError.fromCode(code), window, msg);
                }
                case DATA -> {
                    int flowId = b.getInt();
                    long offset = b.getLong();
                    int flags = b.get() & 0xff;
                    byte[] payload = new byte[b.remaining()];
                    b.get(payload);
                    yield data(flowId, offset, flags, payload);
                }
                case ACK -> {
                    int flowId = b.getInt();
                    long received = nonNegative(b.getLong(), "received");
                    long limit = nonNegative(b.getLong(), "limit");
                    yield new Frame.Ack(flowId, received, limit);
                }
                case RESET -> {
                    int flowId = b.getInt();
                    FlowError reason = FlowError.fromCode(b.get() & 0xff);
                    yield new Frame.Reset(flowId, reason, utf8String(shortBytes(b)));
                }
                case UDP -> {
                    int flowId = b.getInt();
                    long seq = b.getInt() & 0xffffffffL;
                    byte[] payload = new byte[b.remaining()];
                    b.get(payload);
                    yield new Frame.Udp(flowId, seq, payload);
                }
                case PING -> new Frame.Ping(b.getLong(), b.getLong());
                case PONG -> new Frame.Pong(b.getLong(), b.getLong());
                case UPLINK_GONE -> new Frame.UplinkGone(b.getInt());
                case PATH_ACK -> new Frame.PathAck(nonNegative(b.getLong(), "received"));
                case UPLINK_SETTINGS -> {
                    int flags = b.get() & 0xff;
                    if ((flags & ~1) != 0) {
                        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unknown UPLINK_SETTINGS flags " + flags);
                    }
                    int weight = b.getShort() & 0xffff;
                    if (weight < 1 || weight > 10_000) {
                        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "weight out of range: " + weight);
                    }
                    yield new Frame.UplinkSettings(flags == 1, weight, nonNegative(b.getLong(), "up rate"),
                            nonNegative(b.getLong(), "down rate"));
                }
                default -> throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unknown frame type 0x"
                        + Integer.toHexString(type));
            };
            if (b.hasRemaining()) {
                throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, b.remaining()
                        + " trailing bytes in frame type 0x" + Integer.toHexString(type));
            }
            return frame;
        } catch (java.nio.BufferUnderflowException e) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "truncated frame type 0x" + Integer.toHexString(type));
        } catch (IllegalArgumentException e) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "bad field: " + e.getMessage());
        }
    }

    private static String decodeHost(ByteBuffer b) throws BondProtocolException {
        int type = b.get() & 0xff;
        switch (type) {
            case ADDR_IPV4, ADDR_IPV6 -> {
                byte[] raw = new byte[type == ADDR_IPV4 ? 4 : 16];
                b.get(raw);
                try {
                    return InetAddress.getByAddress(raw).getHostAddress();
                } catch (UnknownHostException e) {
                    throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "bad address");
                }
            }
            case ADDR_DOMAIN -> {
                byte[] name = shortBytes(b);
                if (name.length == 0) {
                    throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "empty domain name");
                }
                for (byte c : name) {
                    // Host names are ASCII letters, digits, '-', '.', '_'; anything else (NUL, ':', '/') is refused
                    // so that no later layer can be confused by it.
                    if (!(Character.isLetterOrDigit(c) || c == '-' || c == '.' || c == '_') || c < 0) {
                        throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "bad character in domain name");
                    }
                }
                return new String(name, StandardCharsets.US_ASCII);
            }
            default -> throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, "unknown address type " + type);
        }
    }

    private static byte[] shortBytes(ByteBuffer b) {
        int len = b.get() & 0xff;
        byte[] out = new byte[len];
        b.get(out);
        return out;
    }

    private static String utf8String(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static long nonNegative(long v, String field) throws BondProtocolException {
        if (v < 0) {
            throw new BondProtocolException(ErrorCode.PROTOCOL_VIOLATION, field + " is negative");
        }
        return v;
    }
}
