package io.quicbond.client.ingress.socks5;

import io.quicbond.transport.FlowError;

/** RFC 1928 §6, the REP field of a reply. */
enum Socks5Reply {
    SUCCEEDED(0x00),
    GENERAL_FAILURE(0x01),
    NOT_ALLOWED(0x02),
    NETWORK_UNREACHABLE(0x03),
    HOST_UNREACHABLE(0x04),
    CONNECTION_REFUSED(0x05),
    TTL_EXPIRED(0x06),
    COMMAND_NOT_SUPPORTED(0x07),
    ADDRESS_TYPE_NOT_SUPPORTED(0x08);

    final int code;

    Socks5Reply(int code) {
        this.code = code;
    }

    static Socks5Reply fromCode(int code) throws Socks5Exception {
        for (Socks5Reply r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        throw new Socks5Exception(GENERAL_FAILURE, "unknown reply code " + code);
    }

    /**
     * Why a flow could not open, as a SOCKS client understands it:
     * <ul>
     *   <li>REFUSED → 0x05 connection refused: the destination sent an RST, exactly what 0x05 means.</li>
     *   <li>DENIED → 0x02 connection not allowed by ruleset: the server's egress policy is a ruleset.</li>
     *   <li>UNREACHABLE, DNS_FAILED → 0x04 host unreachable: the server cannot tell "no route" from "host down",
     *       and a name that does not resolve is a host that cannot be reached (ssh and Dante answer 0x04 too).</li>
     *   <li>TIMED_OUT → 0x04 host unreachable: the host did not answer. 0x06 "TTL expired" names an IP-level event
     *       and clients print it verbatim, which would send the user looking for a routing loop.</li>
     *   <li>BOND_LOST → 0x03 network unreachable: the bond is the proxy's network, and it is down; this tells
     *       the user the fault is on our side, not the destination's.</li>
     *   <li>LIMIT, RESET, PROTOCOL, INTERNAL and any other → 0x01 general SOCKS server failure.</li>
     * </ul>
     */
    static Socks5Reply forFlowError(FlowError error) {
        return switch (error) {
            case REFUSED -> CONNECTION_REFUSED;
            case DENIED -> NOT_ALLOWED;
            case UNREACHABLE, DNS_FAILED, TIMED_OUT -> HOST_UNREACHABLE;
            case BOND_LOST -> NETWORK_UNREACHABLE;
            default -> GENERAL_FAILURE;
        };
    }
}
