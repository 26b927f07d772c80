package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.UUID;

/**
 * The header a VLESS client sends first (version 0, no TLS, no flow):
 *
 * <pre>
 * version u8 (0) | user id [16] | addons length u8 | addons | command u8 | port u16 | address type u8 | address
 * </pre>
 *
 * Port and address are absent for {@link VlessCommand#MUX}. Address types: 1 IPv4 (4 bytes), 2 domain (u8 length +
 * name), 3 IPv6 (16 bytes). We send no addons; decoding accepts any and ignores them (they are protobuf, used by
 * XTLS flows, which a plain-TCP server does not offer). Immutable.
 *
 * @param user        the client's UUID
 * @param command     TCP, UDP or MUX
 * @param destination where to connect; {@code null} exactly when the command is MUX
 */
public record VlessRequest(UUID user, VlessCommand command, Destination destination) {

    public static final int VERSION = 0;
    /** The longest header: 1 + 16 + 1 + 255 (addons) + 1 + 2 + 1 + 1 + 255 (domain). */
    public static final int MAX_LENGTH = 533;

    public VlessRequest {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(command, "command");
        if ((command == VlessCommand.MUX) != (destination == null)) {
            throw new IllegalArgumentException("a destination is required for TCP and UDP and absent for MUX");
        }
    }

    public static VlessRequest tcp(UUID user, Destination destination) {
        return new VlessRequest(user, VlessCommand.TCP, Objects.requireNonNull(destination, "destination"));
    }

    public static VlessRequest udp(UUID user, Destination destination) {
        return new VlessRequest(user, VlessCommand.UDP, Objects.requireNonNull(destination, "destination"));
    }

    public static VlessRequest mux(UUID user) {
        return new VlessRequest(user, VlessCommand.MUX, null);
    }

    /** The header's bytes, with addons length 0. */
    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        out.write(VERSION);
        out.writeBytes(uuidBytes(user));
        out.write(0);
        out.write(command.code());
        if (destination != null) {
            WireCursor.writePortThenAddress(out, destination);
        }
        return out.toByteArray();
    }

    /** A decoder for one request header (feed it bytes as they arrive; what follows stays in the decoder). */
    public static VlessDecoder<VlessRequest> decoder() {
        return new VlessDecoder<>(VlessRequest::parse);
    }

    static VlessRequest parse(WireCursor in) throws WireCursor.Incomplete, VlessProtocolException {
        int version = in.u8();
        if (version != VERSION) {
            throw new VlessProtocolException("VLESS version " + version + ", only 0 is spoken");
        }
        UUID user = uuid(in.take(16));
        in.skip(in.u8());
        VlessCommand command = VlessCommand.fromCode(in.u8());
        Destination destination = command == VlessCommand.MUX ? null : in.portThenAddress();
        return new VlessRequest(user, command, destination);
    }

    static byte[] uuidBytes(UUID uuid) {
        return ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array();
    }

    static UUID uuid(byte[] sixteen) {
        ByteBuffer b = ByteBuffer.wrap(sixteen);
        return new UUID(b.getLong(), b.getLong());
    }

    @Override
    public String toString() {
        return "VLESS " + command + (destination == null ? "" : " " + destination);
    }
}
