package io.quicbond.client.ingress.socks5;

/** RFC 1928 §4, the CMD field. */
enum Socks5Command {
    CONNECT(0x01),
    BIND(0x02),
    UDP_ASSOCIATE(0x03);

    final int code;

    Socks5Command(int code) {
        this.code = code;
    }
}
