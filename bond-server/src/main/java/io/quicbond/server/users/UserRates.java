package io.quicbond.server.users;

import io.quicbond.transport.EgressConnector.EgressRates;
import io.quicbond.transport.RateLimit;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Each user's rate limit ({@code rate_limit_bits_per_second} in the users file), as one bucket per direction that
 * all of the user's flows share: bond sessions and VLESS connections alike, however many. The limit is read from
 * the store whenever the user opens a flow, so a changed users file applies to the open flows from the user's
 * next flow on. A user without a limit gets {@link EgressRates#NONE} (nothing is counted). Thread-safe.
 */
public final class UserRates implements Function<String, EgressRates> {
    private final UserStore users;
    private final ConcurrentHashMap<String, EgressRates> buckets = new ConcurrentHashMap<>();

    public UserRates(UserStore users) {
        this.users = Objects.requireNonNull(users, "users");
    }

    /** The buckets of {@code user}, set to the limit the store has for them now. */
    @Override
    public EgressRates apply(String user) {
        long bits = users.get(user).map(u -> u.limits().rateLimitBitsPerSecond()).orElse(0L);
        EgressRates rates = bits > 0
                ? buckets.computeIfAbsent(user, u -> new EgressRates(new RateLimit(bits), new RateLimit(bits)))
                : buckets.get(user);
        if (rates == null) {
            return EgressRates.NONE;
        }
        // A user once limited keeps their buckets (open flows hold them); a lifted limit sets them to none.
        rates.toDestination().setRate(bits);
        rates.fromDestination().setRate(bits);
        return rates;
    }
}
