package io.quicbond.interop.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spec grammar: what it accepts, how it explains what it refuses, and that hostile input cannot break it. */
class LinkSpecTest {

    @Test
    void parsesTheExampleFromTheDocs() {
        List<EmulatedLinks.LinkSpec> links = EmulatedLinks.parse("lte=40mbit/20ms/1%,dsl=20mbit/50ms,sat=10mbit/100ms");
        assertEquals(List.of(
                EmulatedLinks.LinkSpec.symmetric("lte", LinkProfile.of(40_000_000, Duration.ofMillis(20)).withLoss(0.01)),
                EmulatedLinks.LinkSpec.symmetric("dsl", LinkProfile.of(20_000_000, Duration.ofMillis(50))),
                EmulatedLinks.LinkSpec.symmetric("sat", LinkProfile.of(10_000_000, Duration.ofMillis(100)))), links);
    }

    @Test
    void parsesAsymmetricLinksAsUpColonDown() {
        EmulatedLinks.LinkSpec lte = EmulatedLinks.parse("lte=10mbit/30ms:40mbit/30ms/q=1m").getFirst();
        assertEquals(LinkProfile.of(10_000_000, Duration.ofMillis(30)), lte.up());
        assertEquals(LinkProfile.of(40_000_000, Duration.ofMillis(30)).withQueueLimit(1 << 20), lte.down());
        assertEquals("lte=10mbit/30ms:40mbit/30ms/q=1m", lte.toSpec());
    }

    @Test
    void toleratesCaseWhitespaceAndAnyOrderOfParts() {
        assertEquals(LinkProfile.of(40_000_000, Duration.ofMillis(20)).withLoss(0.005).withQueueLimit(256 * 1024),
                EmulatedLinks.parse(" lte = 0.5% / q=256K / 20 MS / 40Mbit ").getFirst().up());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "unlimited        | 0             | 0          | 0      | 0       | true",
            "5%               | 0             | 0          | 0.05   | 0       | true",
            "1.5mbit          | 1500000       | 0          | 0      | 0       | true",
            "1tbit/1s         | 1000000000000 | 1000000000 | 0      | 0       | true",
            "250us/100%       | 0             | 250000     | 1      | 0       | true",
            "7bit/1ns/0%      | 7             | 1          | 0      | 0       | true",
            "1kbit/q=64kb     | 1000          | 0          | 0      | 64000   | true",
            "1gbit/q=100      | 1000000000    | 0          | 0      | 100     | true",
            "off/10ms         | 0             | 10000000   | 0      | 0       | false",
            "2.5µs            | 0             | 2500       | 0      | 0       | true",
            "0.001%           | 0             | 0          | 0.00001| 0       | true",
    })
    void parsesEachKindOfPart(String spec, long bits, long delayNanos, double loss, int queue, boolean up) {
        assertEquals(new LinkProfile(bits, Duration.ofNanos(delayNanos), loss, queue, up), LinkProfile.parse(spec));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "\"\"                          | empty link spec",
            "lte                           | link 1 'lte': expected name=profile",
            "lte=                          | empty up profile",
            "lte=40mbit,,dsl=1mbit         | link 2 is empty",
            "lte=40mbit,                   | link 2 is empty",
            "lte=40mbit/20xs               | unknown unit 'xs' in '20xs'",
            "lte=40mbps                    | 'mbps' is ambiguous",
            "lte=40                        | '40' has no unit",
            "lte=40mbit/30mbit             | rate is given twice (second time as '30mbit')",
            "lte=off/off                   | 'off' is given twice",
            "lte=10ms/20ms                 | delay is given twice",
            "1lte=40mbit                   | bad link name '1lte'",
            "=40mbit                       | bad link name ''",
            "lte=1mbit,lte=2mbit           | link 2 'lte=2mbit': link name 'lte' is used twice",
            "lte=1mbit:2mbit:3mbit         | at most two profiles",
            "lte=1mbit:                    | empty down profile",
            "lte=101%                      | loss must be between 0% and 100%",
            "lte=1.5bit                    | rate must be a whole number of bit/s",
            "lte=0.5ns                     | delay must be a whole number of ns",
            "lte=86401s                    | at most 1 day",
            "lte=99999999999999999999gbit  | rate is too large",
            "lte=q=0                       | queue limit must be 1 byte .. 2 GiB",
            "lte=q=3g                      | unknown unit 'g' in queue limit",
            "lte=q=2048m                   | queue limit must be 1 byte .. 2 GiB",
            "lte=q=                        | cannot read queue limit",
            "lte=1e9bit                    | cannot read '1e9bit'",
            "lte=-5ms                      | cannot read '-5ms'",
            "lte=40mbit//20ms              | stray '/'",
            "dsl=20mbit/50ms,lte=40mbit/5x | link 2 'lte=40mbit/5x': unknown unit 'x'",
    })
    void refusesBadSpecsWithAClearReason(String spec, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmulatedLinks.parse(spec));
        assertTrue(e.getMessage().contains(expected), () -> "message: " + e.getMessage());
    }

    @Test
    void profileErrorsNameTheProfile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LinkProfile.parse("40mbit/9q"));
        assertEquals("bad link profile '40mbit/9q': unknown unit 'q' in '9q'; expected a rate (40mbit), a delay "
                + "(20ms), a loss (1%), a queue limit (q=256k), 'unlimited' or 'off'", e.getMessage());
    }

    @Test
    void refusesOversizedInputWithoutEchoingIt() {
        String huge = "lte=" + "1".repeat(SpecParser.MAX_SPEC_CHARS) + "mbit";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> EmulatedLinks.parse(huge));
        assertTrue(e.getMessage().startsWith("link spec too long"), e.getMessage());
        String many = String.join(",", java.util.stream.IntStream.range(0, 257).mapToObj(i -> "l" + i + "=1mbit").toList());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EmulatedLinks.parse(many)).getMessage()
                .startsWith("too many links"));
        IllegalArgumentException longToken = assertThrows(IllegalArgumentException.class,
                () -> EmulatedLinks.parse("lte=" + "x".repeat(5000)));
        assertTrue(longToken.getMessage().length() < 400, longToken.getMessage());
    }

    @Test
    void recordRefusesImpossibleValues() {
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.of(-1, Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.of(1, Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.of(1, Duration.ofDays(2)));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.unlimited().withLoss(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.unlimited().withLoss(1.01));
        assertThrows(IllegalArgumentException.class, () -> LinkProfile.unlimited().withQueueLimit(-1));
    }

    @Test
    void parsesSchedules() {
        assertEquals(List.of(ScheduledAction.cutAt(Duration.ofSeconds(5)),
                        ScheduledAction.restoreAt(Duration.ofMillis(8500))),
                ScheduledAction.parseList("cut@5s, RESTORE@8.5s"));
        assertEquals("[cut@5s, restore@8500ms]", ScheduledAction.parseList("cut@5s,restore@8.5s").toString());
        for (String bad : List.of("", "cut5s", "explode@5s", "cut@5", "cut@-1s", "cut@5s,", "cut@2d")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ScheduledAction.parseList(bad), bad);
            assertFalse(e.getMessage().isBlank());
        }
    }

    // ------------------------------------------------------------------ fuzzing

    private static final String ALPHABET = "abcdefgiklmnopqrstuvx=,:/%.@ 0123456789kmgtbitsMB\t\u00b5\u0000\u202e\u00e9-_q";
    private static final List<String> SEEDS = List.of(
            "lte=40mbit/20ms/1%,dsl=20mbit/50ms,sat=10mbit/100ms",
            "a=10mbit/30ms:40mbit/30ms/q=1m", "x=unlimited/off", "y=0.5%/250us/q=64kb", "z=1tbit/1ns");

    @Test
    void fuzzedSpecsEitherParseAndRoundTripOrFailCleanly() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        int parsed = 0;
        for (int i = 0; i < 100_000; i++) {
            String input = i % 2 == 0 ? mutate(SEEDS.get(random.nextInt(SEEDS.size())), random)
                    : randomString(random);
            try {
                List<EmulatedLinks.LinkSpec> links = EmulatedLinks.parse(input);
                parsed++;
                assertEquals(links, EmulatedLinks.parse(EmulatedLinks.format(links)),
                        () -> "round trip of " + input + " (seed " + seed + ")");
            } catch (IllegalArgumentException e) {
                String m = e.getMessage();
                if (m == null || m.isBlank() || m.length() > 600 || m.chars().anyMatch(c -> Character.isISOControl(c) || Character.getType(c) == Character.FORMAT)) {
                    fail("unclear or unsafe message for " + SpecParser.quote(input) + " (seed " + seed + "): " + m);
                }
            } catch (RuntimeException | StackOverflowError e) {
                throw new AssertionError("parser broke on " + SpecParser.quote(input) + " (seed " + seed + ")", e);
            }
        }
        // Mutations of valid specs often stay valid; if none did, the fuzzer tested only the error paths.
        assertTrue(parsed > 1000, "only " + parsed + " fuzzed specs parsed (seed " + seed + ")");
    }

    @Test
    void randomValidLinksRoundTripThroughTheirSpec() {
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 20_000; i++) {
            List<EmulatedLinks.LinkSpec> links = new ArrayList<>();
            int n = 1 + random.nextInt(4);
            for (int k = 0; k < n; k++) {
                LinkProfile up = randomProfile(random);
                links.add(new EmulatedLinks.LinkSpec("l" + k, up, random.nextBoolean() ? up : randomProfile(random)));
            }
            String spec = EmulatedLinks.format(links);
            assertEquals(links, EmulatedLinks.parse(spec), () -> spec + " (seed " + seed + ")");
        }
    }

    private static LinkProfile randomProfile(SplittableRandom r) {
        long rate = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> r.nextLong(1, Long.MAX_VALUE);
            case 2 -> r.nextLong(1, 10_000) * 1_000_000;
            default -> r.nextLong(1, 1_000_000_000);
        };
        Duration delay = Duration.ofNanos(switch (r.nextInt(3)) {
            case 0 -> 0;
            case 1 -> r.nextLong(0, 1000) * 1_000_000;
            default -> r.nextLong(0, LinkProfile.MAX_DELAY.toNanos() + 1);
        });
        double loss = switch (r.nextInt(4)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> r.nextInt(1, 1000) / 1000.0;
            default -> r.nextDouble();
        };
        int queue = r.nextBoolean() ? 0 : r.nextInt(1, Integer.MAX_VALUE);
        return new LinkProfile(rate, delay, loss, queue, r.nextInt(5) != 0);
    }

    private static String mutate(String s, SplittableRandom r) {
        StringBuilder b = new StringBuilder(s);
        int edits = 1 + r.nextInt(3);
        for (int i = 0; i < edits; i++) {
            int at = r.nextInt(b.length() + 1);
            switch (r.nextInt(4)) {
                case 0 -> b.insert(at, ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                case 1 -> {
                    if (at < b.length()) {
                        b.deleteCharAt(at);
                    }
                }
                case 2 -> {
                    if (at < b.length()) {
                        b.setCharAt(at, ALPHABET.charAt(r.nextInt(ALPHABET.length())));
                    }
                }
                default -> {
                    // Digits in bulk reach the overflow paths that single edits never do.
                    b.insert(at, "9".repeat(r.nextInt(1, 30)));
                }
            }
        }
        return b.toString();
    }

    private static String randomString(SplittableRandom r) {
        int n = r.nextInt(40);
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(r.nextInt(10) == 0 ? (char) r.nextInt(0x10000) : ALPHABET.charAt(r.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }
}
