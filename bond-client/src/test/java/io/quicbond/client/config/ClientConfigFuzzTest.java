package io.quicbond.client.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.client.ingress.Mutator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random mutations of valid configs: whatever the input, loading either gives a config that writes and loads back
 * equal, or throws {@link ConfigException} with problems that name the source. Nothing else escapes.
 */
class ClientConfigFuzzTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] STRINGS = {"", " ", "x", "0", "-1", "65536", "127.0.0.1:0", "[::1]:0", "::1",
            "0.0.0.0:0", "h:1", "a..b:1", "[::1", "10.0.0.0/8", "10.0.0.1/8", "::/0", "1-65535", "5-1", ",", "tcp", "udp",
            "any", "aggregate", "redundant", "lowest-latency", "failover", "sha256/", ConfigFixtures.PIN, "Zm9v",
            "\u0000", "\u2028", "é", "xn--bcher-kva.example", "*.example.com", ".example.com", "wan0", "%"};

    private static void check(byte[] input) {
        try {
            ClientConfig c = ClientConfig.parse(input, "fuzz.json");
            ClientConfig again = ClientConfig.parse(c.toJson(true), "again.json");
            assertEquals(c, again, () -> "round trip of " + new String(input, StandardCharsets.UTF_8));
        } catch (ConfigException e) {
            assertFalse(e.problems().isEmpty());
            for (String p : e.problems()) {
                if (!p.startsWith("fuzz.json: ")) {
                    fail("problem without its source: " + p);
                }
            }
        } catch (RuntimeException | Error e) {
            throw new AssertionError("escaped for input " + Mutator.hex(input) + " ("
                    + new String(input, StandardCharsets.UTF_8) + ")", e);
        }
    }

    @Test
    void byteMutationsOnlyEverThrowConfigException() {
        Random random = new Random(20261125);
        List<byte[]> seeds = List.of(ConfigFixtures.minimal().getBytes(StandardCharsets.UTF_8),
                ConfigFixtures.full().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 5_000; i++) {
            check(Mutator.mutate(seeds.get(i % seeds.size()), random));
        }
    }

    @Test
    void structuralMutationsOnlyEverThrowConfigException() throws Exception {
        Random random = new Random(42);
        List<JsonNode> seeds = List.of(JSON.readTree(ConfigFixtures.minimal()), JSON.readTree(ConfigFixtures.full()));
        for (int i = 0; i < 5_000; i++) {
            JsonNode doc = seeds.get(i % seeds.size()).deepCopy();
            int rounds = 1 + random.nextInt(3);
            for (int r = 0; r < rounds; r++) {
                mutate(doc, random);
            }
            check(JSON.writeValueAsBytes(doc));
        }
    }

    /** Replaces, removes or adds one value somewhere in the tree. */
    private static void mutate(JsonNode doc, Random random) {
        List<JsonNode> containers = new ArrayList<>();
        collect(doc, containers);
        JsonNode target = containers.get(random.nextInt(containers.size()));
        if (target instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            int action = random.nextInt(4);
            if (names.isEmpty() || action == 0) {
                o.set(names.isEmpty() || random.nextBoolean() ? "extra" : names.get(random.nextInt(names.size())),
                        randomValue(random, 2));
            } else if (action == 1) {
                o.remove(names.get(random.nextInt(names.size())));
            } else {
                o.set(names.get(random.nextInt(names.size())), randomValue(random, 2));
            }
        } else if (target instanceof ArrayNode a) {
            if (a.isEmpty() || random.nextBoolean()) {
                a.add(randomValue(random, 2));
            } else if (random.nextBoolean()) {
                a.remove(random.nextInt(a.size()));
            } else {
                a.set(random.nextInt(a.size()), randomValue(random, 2));
            }
        }
    }

    private static void collect(JsonNode node, List<JsonNode> out) {
        if (node.isContainerNode()) {
            out.add(node);
            node.forEach(child -> collect(child, out));
        }
    }

    private static JsonNode randomValue(Random random, int depth) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        return switch (random.nextInt(depth > 0 ? 9 : 7)) {
            case 0 -> f.nullNode();
            case 1 -> f.booleanNode(random.nextBoolean());
            case 2 -> f.numberNode(random.nextInt(5) == 0 ? random.nextLong() : random.nextInt(70_000) - 2);
            case 3 -> f.numberNode(random.nextDouble() * 100);
            case 4, 5 -> f.textNode(STRINGS[random.nextInt(STRINGS.length)]);
            case 6 -> f.textNode(Long.toString(random.nextLong(), 36));
            case 7 -> {
                ObjectNode o = f.objectNode();
                o.set(random.nextBoolean() ? "name" : "listen", randomValue(random, depth - 1));
                yield o;
            }
            default -> f.arrayNode().add(randomValue(random, depth - 1));
        };
    }
}
