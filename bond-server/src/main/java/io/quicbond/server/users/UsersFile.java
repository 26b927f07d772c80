package io.quicbond.server.users;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The on-disk form of {@code users.json}, snake_case keys:
 *
 * <pre>{@code
 * {
 *   "version" : 1,
 *   "users" : [ {
 *     "name" : "alice",
 *     "secret_hash" : { "algorithm" : "PBKDF2WithHmacSHA256", "iterations" : 100000,
 *                       "salt" : "<base64, 16 bytes>", "hash" : "<base64, 32 bytes>" },
 *     "vless_uuid" : "2b5e8f0c-...",            (absent when compat access is off)
 *     "limits" : { "max_sessions" : 4, "max_flows_per_session" : 4096, "rate_limit_bits_per_second" : 0 }
 *   } ]
 * }
 * }</pre>
 *
 * Absent limit fields take their defaults ({@link UserLimits}). Only the store reads and writes these records.
 */
record UsersFile(Integer version, List<Entry> users) {

    static final int CURRENT_VERSION = 1;

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Entry(String name, SecretHash secretHash, String vlessUuid, Limits limits) {
    }

    record SecretHash(String algorithm, Integer iterations, String salt, String hash) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Limits(Integer maxSessions, Integer maxFlowsPerSession, Long rateLimitBitsPerSecond) {
    }
}
