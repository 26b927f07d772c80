package io.quicbond.server.users;

/**
 * What one user may use. Immutable; validated on construction.
 *
 * @param maxSessions            bond sessions (client instances) the user may hold at once; at least 1, default
 *                               {@value #DEFAULT_MAX_SESSIONS}
 * @param maxFlowsPerSession     open TCP and UDP flows per session; at least 1, default
 *                               {@value #DEFAULT_MAX_FLOWS_PER_SESSION}
 * @param rateLimitBitsPerSecond cap on the user's egress rate in bits per second, each direction; 0 (the default)
 *                               means unlimited
 * @throws IllegalArgumentException if a value is out of range
 */
public record UserLimits(int maxSessions, int maxFlowsPerSession, long rateLimitBitsPerSecond) {

    public static final int DEFAULT_MAX_SESSIONS = 4;
    public static final int DEFAULT_MAX_FLOWS_PER_SESSION = 4096;
    public static final long DEFAULT_RATE_LIMIT_BITS_PER_SECOND = 0;

    /** The limits of a user added without any: 4 sessions, 4096 flows per session, no rate limit. */
    public static final UserLimits DEFAULTS = new UserLimits(
            DEFAULT_MAX_SESSIONS, DEFAULT_MAX_FLOWS_PER_SESSION, DEFAULT_RATE_LIMIT_BITS_PER_SECOND);

    public UserLimits {
        if (maxSessions < 1) {
            throw new IllegalArgumentException("max_sessions must be at least 1, got " + maxSessions);
        }
        if (maxFlowsPerSession < 1) {
            throw new IllegalArgumentException("max_flows_per_session must be at least 1, got " + maxFlowsPerSession);
        }
        if (rateLimitBitsPerSecond < 0) {
            throw new IllegalArgumentException(
                    "rate_limit_bits_per_second must be 0 (unlimited) or positive, got " + rateLimitBitsPerSecond);
        }
    }

    /** Whether {@link #rateLimitBitsPerSecond} caps anything. */
    public boolean isRateLimited() {
        return rateLimitBitsPerSecond > 0;
    }
}
