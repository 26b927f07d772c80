package io.quicbond.server.config;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random mutations of a valid {@code server.json}: the loader either accepts the result or throws
 * {@link ConfigException}; any other exception, or a message without the source name, is a bug. Deterministic
 * seeds, plus one fresh seed per run that the failure message names.
 */
class ServerConfigFuzzTest {

    private static final String VALID = """
            {
              "listen": "[::]:4433",
              "public_address": "vpn.example.com",
              "engine": "kwik",
              "certificate": "cert.pem",
              "private_key": "key.pem",
              "users_file": "users.json",
              "server_name": "quicbond",
              "status_listen": "127.0.0.1:7081",
              "status_public": false,
              "egress": {"allow": ["10.1.0.0/16", "fd00::/8"], "deny": ["203.0.113.0/24"], "deny_ports": [25, 465],
                         "connect_timeout_ms": 10000},
              "bond": {"flow_window_bytes": 4194304, "flow_send_buffer_bytes": 4194304, "max_flows_per_session": 4096,
                       "udp_idle_timeout_s": 60, "session_grace_s": 60, "idle_timeout_s": 30},
              "login_failures_per_minute": 20
            }
            """;
    private static final String[] FRAGMENTS = {"\"", "{", "}", "[", "]", ":", ",", "null", "true", "-1", "0", "1e400",
            "99999999999999999999", "1.5", "\"\"", "\"::\"", "\"[::1]:0\"", "\"0.0.0.0:65536\"", "\\u0000", "\u00e9",
            "\ud83d\ude00", "\ud800", "/", "\\", "\n", " ", "\"a\":1", "[[[[[[[[", "}}}}", "\"localhost:1\"",
            "\"10.0.0.0/8\"", "\"x/../..\"", "NaN", "Infinity", "'", "#", "/*", "0x10"};
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void textMutationsGiveAConfigOrAConfigException() {
        long fresh = System.nanoTime();
        for (long seed : new long[]{1, 2, 3, fresh}) {
            Random random = new Random(seed);
            int accepted = 0;
            for (int i = 0; i < 1000; i++) {
                String mutated = mutateText(VALID, random, 1 + random.nextInt(4));
                accepted += check(mutated, "seed " + seed + ", iteration " + i) ? 1 : 0;
            }
            assertTrue(accepted > 0, "some mutations keep the config valid (seed " + seed + ")");
        }
    }

    @Test
    void valueMutationsGiveAConfigOrAConfigException() throws Exception {
        long fresh = System.nanoTime();
        for (long seed : new long[]{1, 2, 3, fresh}) {
            Random random = new Random(seed);
            for (int i = 0; i < 1000; i++) {
                JsonNode tree = JSON.readTree(VALID);
                for (int n = 1 + random.nextInt(3); n > 0; n--) {
                    mutateTree(tree, random);
                }
                check(JSON.writeValueAsString(tree), "seed " + seed + ", iteration " + i);
            }
        }
    }

    /** Whether the text was accepted; fails the test on anything but a ConfigException. */
    private static boolean check(String text, String where) {
        try {
            ServerConfig.parse(text, "server.json");
            return true;
        } catch (ConfigException e) {
            if (!e.getMessage().startsWith("server.json: ") || e.getMessage().length() > 1000) {
                fail(where + ": badly formed message " + e.getMessage() + " for input:\n" + text);
            }
            return false;
        } catch (Throwable t) {
            throw new AssertionError(where + ": " + t + " for input:\n" + text, t);
        }
    }

    private static String mutateText(String text, Random random, int mutations) {
        StringBuilder s = new StringBuilder(text);
        for (int m = 0; m < mutations && !s.isEmpty(); m++) {
            int at = random.nextInt(s.length());
            int len = Math.min(s.length() - at, 1 + random.nextInt(8));
            switch (random.nextInt(5)) {
                case 0 -> s.replace(at, at + 1, String.valueOf((char) random.nextInt(128)));
                case 1 -> s.delete(at, at + len);
                case 2 -> s.insert(at, FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
                case 3 -> s.insert(random.nextInt(s.length() + 1), s.substring(at, at + len));
                default -> s.replace(at, at + len, FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
            }
        }
        return s.toString();
    }

    private static void mutateTree(JsonNode root, Random random) {
        List<ObjectNode> objects = new ArrayList<>();
        List<ArrayNode> arrays = new ArrayList<>();
        collect(root, objects, arrays);
        if (!arrays.isEmpty() && random.nextInt(4) == 0) {
            ArrayNode array = arrays.get(random.nextInt(arrays.size()));
            array.add(randomValue(random));
            return;
        }
        ObjectNode object = objects.get(random.nextInt(objects.size()));
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        switch (random.nextInt(4)) {
            case 0 -> object.set("k" + random.nextInt(3), randomValue(random));
            case 1 -> {
                if (!names.isEmpty()) {
                    object.remove(names.get(random.nextInt(names.size())));
                }
            }
            default -> {
                if (!names.isEmpty()) {
                    object.set(names.get(random.nextInt(names.size())), randomValue(random));
                }
            }
        }
    }

    private static void collect(JsonNode node, List<ObjectNode> objects, List<ArrayNode> arrays) {
        if (node instanceof ObjectNode o) {
            objects.add(o);
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                collect(it.next().getValue(), objects, arrays);
            }
        } else if (node instanceof ArrayNode a) {
            arrays.add(a);
            a.forEach(child -> collect(child, objects, arrays));
        }
    }

    private static JsonNode randomValue(Random random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(12)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(random.nextLong());
            case 3 -> f.numberNode(random.nextInt(70_000) - 1000);
            case 4 -> f.numberNode(random.nextDouble() * 1e6);
            case 5 -> f.numberNode(new java.math.BigInteger(130, random));
            case 6 -> f.arrayNode().add(randomString(random)).add(random.nextInt());
            case 7 -> f.objectNode().put("listen", randomString(random));
            default -> f.textNode(randomString(random));
        };
    }

    private static String randomString(Random random) {
        String[] pieces = {"0.0.0.0", "::", "[", "]", ":", "4433", "65536", "-1", "/", "8", "128", "localhost",
                "example.com", ".", "..", "\u0000", "\u00e9", "%eth0", "10.0.0.0", "ffff", "kwik", " ", "*", "\\"};
        StringBuilder s = new StringBuilder();
        for (int n = random.nextInt(6); n >= 0; n--) {
            s.append(pieces[random.nextInt(pieces.length)]);
        }
        return s.toString();
    }
}
