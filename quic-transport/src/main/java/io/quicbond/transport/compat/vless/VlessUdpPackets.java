package io.quicbond.transport.compat.vless;

/**
 * UDP under VLESS command 2: after the headers, both directions are a stream of packets, each {@code length u16}
 * (big-endian) then the payload, all to or from the request's one destination.
 */
public final class VlessUdpPackets {

    /** The largest payload a 2-byte length can carry. */
    public static final int MAX_PAYLOAD = 65535;

    private VlessUdpPackets() {
    }

    /**
     * One packet with its length prefix.
     *
     * @throws IllegalArgumentException if the payload is longer than {@value #MAX_PAYLOAD} bytes
     */
    public static byte[] encode(byte[] payload) {
        if (payload.length > MAX_PAYLOAD) {
            throw new IllegalArgumentException("UDP payload of " + payload.length + " bytes does not fit a VLESS packet");
        }
        byte[] out = new byte[2 + payload.length];
        out[0] = (byte) (payload.length >>> 8);
        out[1] = (byte) payload.length;
        System.arraycopy(payload, 0, out, 2, payload.length);
        return out;
    }

    /** A decoder for the packet stream; each value is one payload. */
    public static VlessDecoder<byte[]> decoder() {
        return new VlessDecoder<>(in -> in.take(in.u16()));
    }
}
