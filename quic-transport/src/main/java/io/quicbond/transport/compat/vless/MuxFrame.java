package io.quicbond.transport.compat.vless;

import io.quicbond.transport.Destination;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One Mux.Cool frame (VLESS command 3), as xray-core and v2ray write them, XUDP included:
 *
 * <pre>
 * metadata length u16 | metadata | [data length u16 | data]   (the data part only when option bit 0x01 is set)
 * metadata: session id u16 | status u8 | option u8 | ...
 *   status 1 New:       network u8 (1 TCP, 2 UDP) | port u16 | address type u8 | address | [global id [8], XUDP]
 *   status 2 Keep:      nothing, or for XUDP: network u8 (2) | port u16 | address type u8 | address
 *   status 3 End, 4 KeepAlive: nothing
 * option: 0x01 Data, 0x02 Error
 * </pre>
 *
 * XUDP (xray's UDP over Mux.Cool) is session 0 of its own VLESS connection: a New frame for the first packet, then
 * Keep frames that name each packet's destination (client to server) or source (server to client). Bytes after the
 * fields above in the metadata (padding, xray's inbound source and local address) are ignored. Metadata is at most
 * {@value #MAX_METADATA} bytes, as xray-core enforces. Immutable (the arrays are copied on the way in and out).
 *
 * @param sessionId 0..65535
 * @param status    the session status
 * @param error     option bit 0x02 (the session ended with an error)
 * @param network   TCP or UDP for New frames, UDP for XUDP Keep frames with an address, else {@code null}
 * @param target    with {@code network}: the destination (or, server to client, the packet's source)
 * @param globalId  8 bytes (XUDP New frames from xray) or {@code null}
 * @param data      the payload when option bit 0x01 is set, else {@code null}
 */
public record MuxFrame(int sessionId, Status status, boolean error, Network network, Destination target,
                       byte[] globalId, byte[] data) {

    public static final int MAX_METADATA = 512;
    public static final int MAX_DATA = 65535;

    public enum Status {
        NEW(1), KEEP(2), END(3), KEEP_ALIVE(4);

        private final int code;

        Status(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    public enum Network {
        TCP(1), UDP(2);

        private final int code;

        Network(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }
    }

    private static final int OPTION_DATA = 0x01;
    private static final int OPTION_ERROR = 0x02;

    public MuxFrame {
        Objects.requireNonNull(status, "status");
        if (sessionId < 0 || sessionId > 0xffff) {
            throw new IllegalArgumentException("session id out of range: " + sessionId);
        }
        if ((network == null) != (target == null)) {
            throw new IllegalArgumentException("network and target go together");
        }
        if (status == Status.NEW && network == null) {
            throw new IllegalArgumentException("a New frame needs a network and target");
        }
        if (status == Status.KEEP && network == Network.TCP || (status == Status.END || status == Status.KEEP_ALIVE)
                && network != null) {
            throw new IllegalArgumentException(status + " frames carry no " + network + " target");
        }
        if (globalId != null && (globalId.length != 8 || status != Status.NEW || network != Network.UDP)) {
            throw new IllegalArgumentException("a global id is 8 bytes, on UDP New frames only");
        }
        if (data != null && data.length > MAX_DATA) {
            throw new IllegalArgumentException("frame data of " + data.length + " bytes, at most " + MAX_DATA);
        }
        globalId = globalId == null ? null : globalId.clone();
        data = data == null ? null : data.clone();
    }

    public static MuxFrame newSession(int sessionId, Network network, Destination target, byte[] data) {
        return new MuxFrame(sessionId, Status.NEW, false, network, target, null, data);
    }

    public static MuxFrame keep(int sessionId, byte[] data) {
        return new MuxFrame(sessionId, Status.KEEP, false, null, null, null, data);
    }

    /** An XUDP packet: a Keep frame naming the packet's destination (or source, server to client). */
    public static MuxFrame udpPacket(int sessionId, Destination address, byte[] data) {
        return new MuxFrame(sessionId, Status.KEEP, false, Network.UDP, address, null, data);
    }

    public static MuxFrame end(int sessionId, boolean error) {
        return new MuxFrame(sessionId, Status.END, error, null, null, null, null);
    }

    @Override
    public byte[] globalId() {
        return globalId == null ? null : globalId.clone();
    }

    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    /** The payload length without copying it; 0 without data. */
    public int dataLength() {
        return data == null ? 0 : data.length;
    }

    /** The frame's bytes. */
    public byte[] encode() {
        ByteArrayOutputStream metadata = new ByteArrayOutputStream(32);
        metadata.write(sessionId >>> 8);
        metadata.write(sessionId);
        metadata.write(status.code());
        metadata.write((data != null ? OPTION_DATA : 0) | (error ? OPTION_ERROR : 0));
        if (network != null) {
            metadata.write(network.code());
            WireCursor.writePortThenAddress(metadata, target);
        }
        if (globalId != null) {
            metadata.writeBytes(globalId);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(4 + metadata.size() + dataLength());
        out.write(metadata.size() >>> 8);
        out.write(metadata.size());
        out.writeBytes(metadata.toByteArray());
        if (data != null) {
            out.write(data.length >>> 8);
            out.write(data.length);
            out.writeBytes(data);
        }
        return out.toByteArray();
    }

    /** A decoder for a stream of frames. */
    public static VlessDecoder<MuxFrame> decoder() {
        return new VlessDecoder<>(MuxFrame::parse);
    }

    static MuxFrame parse(WireCursor in) throws WireCursor.Incomplete, VlessProtocolException {
        int metadataLength = in.u16();
        if (metadataLength > MAX_METADATA) {
            throw new VlessProtocolException("Mux.Cool metadata of " + metadataLength + " bytes, at most " + MAX_METADATA);
        }
        if (metadataLength < 4) {
            throw new VlessProtocolException("Mux.Cool metadata of " + metadataLength + " bytes, at least 4");
        }
        WireCursor meta = new WireCursor(in.take(metadataLength), 0, metadataLength);
        int option;
        int sessionId;
        Status status;
        Network network = null;
        Destination target = null;
        byte[] globalId = null;
        try {
            sessionId = meta.u16();
            status = status(meta.u8());
            option = meta.u8();
            if (status == Status.NEW || status == Status.KEEP && meta.remaining() > 0) {
                int networkCode = meta.u8();
                if (status == Status.NEW || networkCode == Network.UDP.code()) {
                    network = switch (networkCode) {
                        case 1 -> Network.TCP;
                        case 2 -> Network.UDP;
                        default -> throw new VlessProtocolException("unknown Mux.Cool network " + networkCode);
                    };
                    target = meta.portThenAddress();
                    if (status == Status.NEW && network == Network.UDP && meta.remaining() == 8) {
                        globalId = meta.take(8);
                    }
                }
            }
        } catch (WireCursor.Incomplete e) {
            throw new VlessProtocolException("Mux.Cool metadata ends inside a field");
        }
        byte[] data = null;
        if ((option & OPTION_DATA) != 0) {
            data = in.take(in.u16());
        }
        return new MuxFrame(sessionId, status, (option & OPTION_ERROR) != 0, network, target, globalId, data);
    }

    private static Status status(int code) throws VlessProtocolException {
        for (Status s : Status.values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new VlessProtocolException("unknown Mux.Cool session status " + code);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MuxFrame f && sessionId == f.sessionId && status == f.status && error == f.error
                && network == f.network && Objects.equals(target, f.target) && Arrays.equals(globalId, f.globalId)
                && Arrays.equals(data, f.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(sessionId, status, error, network, target, Arrays.hashCode(globalId), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "MuxFrame[" + sessionId + " " + status + (error ? " error" : "")
                + (network == null ? "" : " " + network + " " + target)
                + (globalId == null ? "" : " gid " + HexFormat.of().formatHex(globalId))
                + (data == null ? "" : " " + data.length + " bytes") + "]";
    }
}
