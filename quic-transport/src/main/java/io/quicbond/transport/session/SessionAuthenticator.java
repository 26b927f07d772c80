package io.quicbond.transport.session;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Checks a login (user name and secret from HELLO). Called on a per-connection virtual thread; should be cheap
 * for known secrets and bounded for bad ones, since anyone on the internet can try.
 */
public interface SessionAuthenticator {

    /** The user and their limits if the secret is right; empty otherwise. */
    Optional<AuthenticatedUser> authenticate(String user, byte[] secret, InetSocketAddress from);

    /**
     * @param maxSessions        sessions this user may have at once
     * @param maxFlowsPerSession flows open at once in one session
     */
    record AuthenticatedUser(String name, int maxSessions, int maxFlowsPerSession) {
    }
}
