package io.quicbond.client.ingress.socks5;

import io.quicbond.client.ingress.Mutator;
import io.quicbond.client.ingress.socks5.Socks5Message.CommandRequest;
import io.quicbond.client.ingress.socks5.Socks5Message.UdpPacket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static io.quicbond.client.ingress.socks5.Socks5DecoderTest.bytes;
import static io.quicbond.client.ingress.socks5.Socks5DecoderTest.concat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of valid messages: each parser either decodes (and then re-encodes to something that decodes
 * to the same message) or throws {@link Socks5Exception}; never anything else.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class Socks5FuzzTest {
    private static final int CASES = 5_000;

    /** Decodes one input; a mutation that still decodes must survive encode → decode unchanged. */
    @FunctionalInterface
    interface Parser {
        void parse(byte[] input) throws Socks5Exception, Exception;
    }

    private static void fuzz(long seed, List<byte[]> seeds, Parser parser) {
        var random = new Random(seed);
        for (int i = 0; i < CASES; i++) {
            byte[] input = Mutator.mutate(seeds.get(random.nextInt(seeds.size())), random);
            try {
                parser.parse(input);
            } catch (Socks5Exception expected) {
                // clean rejection
            } catch (Throwable t) {
                fail("case " + i + " of seed " + seed + ", input " + Mutator.hex(input) + ": " + t, t);
            }
        }
    }

    @Test
    void greetingParserOnlyEverThrowsSocks5Exception() {
        fuzz(1, List.of(bytes(5, 1, 0), bytes(5, 2, 0, 2), bytes(5, 3, 0, 1, 2)), input -> {
            var greeting = Socks5Decoder.readGreeting(new ByteArrayInputStream(input));
            assertEquals(greeting, Socks5Decoder.readGreeting(new ByteArrayInputStream(greeting.encode())));
        });
    }

    @Test
    void passwordParserOnlyEverThrowsSocks5Exception() {
        byte[] valid = concat(bytes(1, 5), "alice".getBytes(StandardCharsets.UTF_8), bytes(3),
                "pw!".getBytes(StandardCharsets.UTF_8));
        fuzz(2, List.of(valid, bytes(1, 1, 'u', 0)), input -> {
            var request = Socks5Decoder.readPasswordRequest(new ByteArrayInputStream(input));
            assertEquals(request, Socks5Decoder.readPasswordRequest(new ByteArrayInputStream(request.encode())));
        });
    }

    @Test
    void commandParserOnlyEverThrowsSocks5Exception() {
        List<byte[]> seeds = List.of(
                bytes(5, 1, 0, 1, 192, 0, 2, 7, 0x1F, 0x90),
                bytes(5, 3, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xBB),
                concat(bytes(5, 1, 0, 3, 11), "example.com".getBytes(StandardCharsets.US_ASCII), bytes(0, 80)),
                concat(bytes(5, 1, 0, 3, 7), "1.2.3.4".getBytes(StandardCharsets.US_ASCII), bytes(0, 80)));
        fuzz(3, seeds, input -> {
            CommandRequest request = Socks5Decoder.readCommandRequest(new ByteArrayInputStream(input));
            assertEquals(request, Socks5Decoder.readCommandRequest(new ByteArrayInputStream(request.encode())));
        });
    }

    @Test
    void udpHeaderParserOnlyEverThrowsSocks5Exception() {
        List<byte[]> seeds = List.of(
                concat(bytes(0, 0, 0, 1, 8, 8, 4, 4, 0, 53), "q".getBytes(StandardCharsets.US_ASCII)),
                bytes(0, 0, 0, 4, 0x26, 0x06, 0x47, 0, 0x47, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x11, 0x11, 0, 53, 1, 2),
                concat(bytes(0, 0, 0, 3, 7), "dns.lan".getBytes(StandardCharsets.US_ASCII), bytes(0, 53, 7)));
        fuzz(4, seeds, input -> {
            UdpPacket packet = Socks5Decoder.decodeUdpPacket(input, 0, input.length);
            byte[] again = packet.encode();
            UdpPacket reparsed = Socks5Decoder.decodeUdpPacket(again, 0, again.length);
            assertEquals(packet.destination(), reparsed.destination());
            assertArrayEquals(packet.payload(), reparsed.payload());
        });
    }
}
