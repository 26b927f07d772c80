package io.quicbond.client.ingress.socks5;

import io.quicbond.transport.Destination;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** The messages of RFC 1928 and RFC 1929, each able to write its own bytes; {@link Socks5Decoder} reads them. */
sealed interface Socks5Message {
    int VERSION = 0x05;

    byte[] encode();

    /** RFC 1928 §3, the version identifier/method selection message. */
    record Greeting(List<Integer> methods) implements Socks5Message {
        static final int NO_AUTH = 0x00;
        static final int PASSWORD = 0x02;
        static final int NO_ACCEPTABLE = 0xFF;

        public Greeting {
            methods = List.copyOf(methods);
        }

        @Override
        public byte[] encode() {
            var out = new ByteArrayOutputStream();
            out.write(VERSION);
            out.write(methods.size());
            methods.forEach(out::write);
            return out.toByteArray();
        }
    }

    /** RFC 1928 §3, the server's METHOD selection message. */
    record MethodSelection(int method) implements Socks5Message {
        @Override
        public byte[] encode() {
            return new byte[] {VERSION, (byte) method};
        }
    }

    /** RFC 1929 §2, the username/password request. */
    record PasswordRequest(String username, String password) implements Socks5Message {
        static final int VERSION = 0x01;

        @Override
        public byte[] encode() {
            byte[] user = username.getBytes(StandardCharsets.UTF_8);
            byte[] pass = password.getBytes(StandardCharsets.UTF_8);
            // RFC 1929 §2: ULEN and PLEN are one octet each.
            if (user.length > 255 || pass.length > 255) {
                throw new IllegalArgumentException("username and password are 255 bytes at most");
            }
            var out = new ByteArrayOutputStream();
            out.write(VERSION);
            out.write(user.length);
            out.writeBytes(user);
            out.write(pass.length);
            out.writeBytes(pass);
            return out.toByteArray();
        }
    }

    /** RFC 1929 §2, the server's verification status; 0 is success. */
    record PasswordStatus(int status) implements Socks5Message {
        @Override
        public byte[] encode() {
            return new byte[] {PasswordRequest.VERSION, (byte) status};
        }
    }

    /** RFC 1928 §4, a request. */
    record CommandRequest(Socks5Command command, Destination destination) implements Socks5Message {
        @Override
        public byte[] encode() {
            var out = new ByteArrayOutputStream();
            out.write(VERSION);
            out.write(command.code);
            out.write(0);
            writeAddress(out, destination);
            return out.toByteArray();
        }
    }

    /** RFC 1928 §6, a reply; {@code bound} is BND.ADDR and BND.PORT. */
    record CommandResponse(Socks5Reply reply, Destination bound) implements Socks5Message {
        /** Failures carry no meaningful address: 0.0.0.0:0. */
        static CommandResponse failure(Socks5Reply reply) {
            return new CommandResponse(reply, new Destination("0.0.0.0", 0));
        }

        @Override
        public byte[] encode() {
            var out = new ByteArrayOutputStream();
            out.write(VERSION);
            out.write(reply.code);
            out.write(0);
            writeAddress(out, bound);
            return out.toByteArray();
        }
    }

    /** RFC 1928 §7, one UDP datagram with its request header (always FRAG 0: we never fragment). */
    record UdpPacket(Destination destination, byte[] payload) implements Socks5Message {
        @Override
        public byte[] encode() {
            var out = new ByteArrayOutputStream(payload.length + 262);
            out.write(0);
            out.write(0);
            out.write(0);
            writeAddress(out, destination);
            out.writeBytes(payload);
            return out.toByteArray();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof UdpPacket p && destination.equals(p.destination) && Arrays.equals(payload, p.payload);
        }

        @Override
        public int hashCode() {
            return destination.hashCode() * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "UdpPacket[" + destination + ", " + payload.length + " bytes]";
        }
    }

    int ATYP_IPV4 = 0x01;
    int ATYP_DOMAIN = 0x03;
    int ATYP_IPV6 = 0x04;

    /** RFC 1928 §5, ATYP, the address and the port in network octet order. */
    static void writeAddress(ByteArrayOutputStream out, Destination d) {
        switch (d.kind()) {
            case IPV4 -> {
                out.write(ATYP_IPV4);
                out.writeBytes(d.literalAddress().getAddress());
            }
            case IPV6 -> {
                out.write(ATYP_IPV6);
                out.writeBytes(d.literalAddress().getAddress());
            }
            case DOMAIN -> {
                // RFC 1928 §5: "the first octet of the address field contains the number of octets of name that
                // follow, there is no terminating NUL octet."
                byte[] name = d.host().getBytes(StandardCharsets.US_ASCII);
                out.write(ATYP_DOMAIN);
                out.write(name.length);
                out.writeBytes(name);
            }
        }
        out.write(d.port() >>> 8);
        out.write(d.port() & 0xFF);
    }
}
