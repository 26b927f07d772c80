package io.quicbond.server.users;

import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * A user as the rest of the server sees it: never the secret or its hash. Immutable.
 *
 * @param name      1..64 characters of {@code [A-Za-z0-9._-]}
 * @param vlessUuid the UUID a compat-mode (VLESS) client presents for this user, if compat access is enabled
 * @param limits    the user's limits
 */
public record User(String name, Optional<UUID> vlessUuid, UserLimits limits) {

    public User {
        UserStore.requireValidName(name);
        Objects.requireNonNull(vlessUuid, "vlessUuid");
        Objects.requireNonNull(limits, "limits");
    }
}
