package io.quicbond.transport.compat.vless;

/** The command byte of a VLESS request. */
public enum VlessCommand {
    /** One TCP connection to the request's destination. */
    TCP(1),
    /** UDP packets to the request's destination, each prefixed with a 2-byte length. */
    UDP(2),
    /** Mux.Cool frames (several sub-connections, or XUDP); the request carries no address. */
    MUX(3);

    private final int code;

    VlessCommand(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    static VlessCommand fromCode(int code) throws VlessProtocolException {
        for (VlessCommand c : values()) {
            if (c.code == code) {
                return c;
            }
        }
        throw new VlessProtocolException("unknown VLESS command " + code);
    }
}
