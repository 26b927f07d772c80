package io.quicbond.server.egress;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Turns a domain name into addresses for egress. Pluggable so that tests can map names, and so that a DNS client
 * of our own can replace the system resolver later. Implementations must be thread-safe: every flow resolves on
 * its own virtual thread, and may block.
 */
@FunctionalInterface
public interface Resolver {

    /**
     * The addresses of {@code host}, in the order to try them.
     *
     * @throws UnknownHostException if the name does not resolve
     */
    List<InetAddress> resolve(String host) throws UnknownHostException;

    /** {@link InetAddress#getAllByName}: the system's resolver, its caching and its address order. */
    static Resolver system() {
        return host -> List.of(InetAddress.getAllByName(host));
    }
}
