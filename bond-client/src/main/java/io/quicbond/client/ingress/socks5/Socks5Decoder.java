package io.quicbond.client.ingress.socks5;

import io.quicbond.client.ingress.HostNames;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandResponse;
import io.quicbond.client.ingress.socks5.Socks5Message.Greeting;
import io.quicbond.client.ingress.socks5.Socks5Message.PasswordRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.UdpPacket;
import io.quicbond.transport.Destination;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads RFC 1928 / RFC 1929 messages from a stream, one exact message at a time: it never reads past the end of
 * a message, so whatever follows stays in the stream. Every length is one octet, so no message is longer than
 * 513 bytes; reading is bounded by construction.
 *
 * <p>Throws {@link Socks5Exception} for bytes that break the protocol (a truncated message included) and
 * {@link IOException} only when the stream itself fails. Stateless; any thread.
 */
final class Socks5Decoder {
    private Socks5Decoder() {
    }

    /** RFC 1928 §3: VER, NMETHODS, METHODS. */
    static Greeting readGreeting(InputStream in) throws IOException, Socks5Exception {
        readVersion(in, Socks5Message.VERSION);
        int count = readByte(in);
        // RFC 1928 §3: "The NMETHODS field contains the number of method identifier octets that appear in the
        // METHODS field." with NMETHODS 1 to 255.
        if (count == 0) {
            throw new Socks5Exception(Socks5Reply.GENERAL_FAILURE, "greeting lists no method");
        }
        List<Integer> methods = new ArrayList<>(count);
        for (byte b : readBytes(in, count)) {
            methods.add(b & 0xFF);
        }
        return new Greeting(methods);
    }

    /** RFC 1929 §2: VER (0x01), ULEN, UNAME, PLEN, PASSWD. */
    static PasswordRequest readPasswordRequest(InputStream in) throws IOException, Socks5Exception {
        readVersion(in, PasswordRequest.VERSION);
        String user = utf8(readBytes(in, readByte(in)));
        String pass = utf8(readBytes(in, readByte(in)));
        return new PasswordRequest(user, pass);
    }

    /** RFC 1929 does not name a charset; UTF-8 is what clients send, and anything else cannot match a password. */
    private static String utf8(byte[] bytes) throws Socks5Exception {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Socks5Exception(Socks5Reply.GENERAL_FAILURE, "username or password is not UTF-8");
        }
    }

    /** RFC 1928 §4: VER, CMD, RSV, ATYP, DST.ADDR, DST.PORT. */
    static CommandRequest readCommandRequest(InputStream in) throws IOException, Socks5Exception {
        readVersion(in, Socks5Message.VERSION);
        Socks5Command command = command(readByte(in));
        readByte(in); // RSV: reserved, ignored as most servers do
        return new CommandRequest(command, readAddress(in));
    }

    /** RFC 1928 §6: VER, REP, RSV, ATYP, BND.ADDR, BND.PORT (for clients and tests). */
    static CommandResponse readCommandResponse(InputStream in) throws IOException, Socks5Exception {
        readVersion(in, Socks5Message.VERSION);
        Socks5Reply reply = Socks5Reply.fromCode(readByte(in));
        readByte(in);
        return new CommandResponse(reply, readAddress(in));
    }

    /** RFC 1928 §7: RSV (2), FRAG, ATYP, DST.ADDR, DST.PORT, DATA; the datagram is {@code length} bytes. */
    static UdpPacket decodeUdpPacket(byte[] datagram, int offset, int length) throws Socks5Exception {
        var in = new ByteArrayInputStream(datagram, offset, length);
        try {
            readBytes(in, 2); // RSV
            // RFC 1928 §7: "An implementation that does not support fragmentation MUST drop any datagram whose
            // FRAG field is other than X'00'."
            int frag = readByte(in);
            if (frag != 0) {
                throw new Socks5Exception(Socks5Reply.GENERAL_FAILURE, "fragment " + frag + " (unsupported)");
            }
            return new UdpPacket(readAddress(in), in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail", e);
        }
    }

    private static Socks5Command command(int code) throws Socks5Exception {
        for (Socks5Command c : Socks5Command.values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new Socks5Exception(Socks5Reply.COMMAND_NOT_SUPPORTED, "unknown command " + code);
    }

    /** RFC 1928 §5. */
    private static Destination readAddress(InputStream in) throws IOException, Socks5Exception {
        int atyp = readByte(in);
        String host = switch (atyp) {
            case Socks5Message.ATYP_IPV4 -> literal(readBytes(in, 4));
            case Socks5Message.ATYP_IPV6 -> literal(readBytes(in, 16));
            case Socks5Message.ATYP_DOMAIN -> domain(readBytes(in, readByte(in)));
            default -> throw new Socks5Exception(Socks5Reply.ADDRESS_TYPE_NOT_SUPPORTED, "unknown ATYP " + atyp);
        };
        int port = readByte(in) << 8 | readByte(in);
        return new Destination(host, port);
    }

    private static String literal(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("4 or 16 bytes were read", e);
        }
    }

    /**
     * A name goes to the server's resolver and into logs: printable ASCII only, and no ':' (which would make it
     * look like an IPv6 literal to {@link Destination#kind()}).
     */
    private static String domain(byte[] name) throws Socks5Exception {
        if (name.length == 0) {
            throw new Socks5Exception(Socks5Reply.HOST_UNREACHABLE, "empty domain name");
        }
        for (byte b : name) {
            if (b <= 0x20 || b >= 0x7F || b == ':') {
                throw new Socks5Exception(Socks5Reply.HOST_UNREACHABLE, "bad character in domain name");
            }
        }
        String host = new String(name, StandardCharsets.US_ASCII);
        if (HostNames.isAmbiguousIpv4(host)) {
            throw new Socks5Exception(Socks5Reply.HOST_UNREACHABLE, "ambiguous IPv4 literal " + host);
        }
        return host;
    }

    private static void readVersion(InputStream in, int expected) throws IOException, Socks5Exception {
        int version = readByte(in);
        if (version != expected) {
            throw new Socks5Exception(Socks5Reply.GENERAL_FAILURE, "version " + version + ", expected " + expected);
        }
    }

    private static int readByte(InputStream in) throws IOException, Socks5Exception {
        int b = in.read();
        if (b < 0) {
            throw new Socks5Exception(Socks5Reply.GENERAL_FAILURE, "truncated message");
        }
        return b;
    }

    private static byte[] readBytes(InputStream in, int n) throws IOException, Socks5Exception {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length < n) {
            throw new Socks5Exception(Socks5Reply.GENERAL_FAILURE, "truncated message");
        }
        return bytes;
    }
}
