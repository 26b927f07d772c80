package io.quicbond.transport;

import java.util.function.Consumer;

/**
 * The client-side seam: ingress (SOCKS5, HTTP proxy, port forward, transparent) hands flows to a transport,
 * which carries them to the far end (the bond, or compat VLESS). Implementations are thread-safe; every method
 * may be called from any thread, typically one virtual thread per accepted connection.
 */
public interface FlowTransport {

    /**
     * Opens a TCP flow to {@code destination}; blocks until the far end has connected or refused.
     *
     * @throws FlowOpenException with the reason (refused, unreachable, denied by policy, timed out, bond lost)
     */
    TcpFlow openTcp(Destination destination) throws FlowOpenException;

    /**
     * Opens a UDP flow to {@code destination}. Packets from the destination are passed to {@code receiver} on a
     * transport thread; the receiver must not block.
     */
    UdpFlow openUdp(Destination destination, Consumer<byte[]> receiver) throws FlowOpenException;
}
