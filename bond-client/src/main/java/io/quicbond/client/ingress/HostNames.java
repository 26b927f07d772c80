package io.quicbond.client.ingress;

import io.quicbond.transport.Destination;

/** Checks on host names that clients send, shared by the proxy ingresses. Stateless; any thread. */
public final class HostNames {
    private HostNames() {
    }

    /**
     * True for a host that {@link Destination#kind()} takes for an IPv4 literal but that is not in canonical
     * dotted-decimal form, such as {@code 010.0.0.1}: inet_aton() reads a leading zero as octal (8.0.0.1), Java
     * refuses it as a literal, so each part of the system would see a different address.
     */
    public static boolean isAmbiguousIpv4(String host) {
        if (new Destination(host, 0).kind() != Destination.Kind.IPV4) {
            return false;
        }
        for (String part : host.split("\\.")) {
            if (part.length() > 1 && part.charAt(0) == '0') {
                return true;
            }
        }
        return false;
    }
}
