package io.quicbond.client.ingress.socks5;

/**
 * The client's bytes break RFC 1928 or RFC 1929. {@link #reply()} is the REP code to answer with, where the
 * protocol phase allows an answer at all. Not an IOException: the connection itself is fine.
 */
final class Socks5Exception extends Exception {
    private final Socks5Reply reply;

    Socks5Exception(Socks5Reply reply, String message) {
        super(message);
        this.reply = reply;
    }

    Socks5Reply reply() {
        return reply;
    }
}
