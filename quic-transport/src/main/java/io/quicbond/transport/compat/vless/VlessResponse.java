package io.quicbond.transport.compat.vless;

/**
 * The header a VLESS server answers with before any payload: version u8 (0) and addons length u8 (0), then addons
 * (decoding skips any). A server sends it once the request is accepted; a refused request gets no answer at all.
 */
public final class VlessResponse {

    private static final byte[] ENCODED = {0, 0};

    private VlessResponse() {
    }

    /** {@code 00 00}. */
    public static byte[] encode() {
        return ENCODED.clone();
    }

    /** A decoder for the response header; its value is the version (always 0). */
    public static VlessDecoder<Integer> decoder() {
        return new VlessDecoder<>(VlessResponse::parse);
    }

    static Integer parse(WireCursor in) throws WireCursor.Incomplete, VlessProtocolException {
        int version = in.u8();
        if (version != VlessRequest.VERSION) {
            throw new VlessProtocolException("VLESS response version " + version + ", expected 0");
        }
        in.skip(in.u8());
        return version;
    }
}
