package io.quicbond.server.compat;

/**
 * One VLESS listener's figures, as {@code GET /status} and {@code bond-server status} show them. Immutable.
 *
 * @param listen             the bound address
 * @param mptcp              whether the listening socket is kernel MPTCP (false: TCP, asked for or fallen back to)
 * @param connections        connections open now
 * @param connectionsTotal   connections accepted since start
 * @param rejected           connections closed without a reply (unknown UUID, user not on this listener, malformed
 *                           or late header, limit)
 * @param bytesUp            payload bytes from clients to destinations
 * @param bytesDown          payload bytes from destinations to clients
 */
public record VlessListenerStatus(String listen, boolean mptcp, int connections, long connectionsTotal, long rejected,
                                  long bytesUp, long bytesDown) {
}
