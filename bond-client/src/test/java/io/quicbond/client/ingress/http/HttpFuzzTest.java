package io.quicbond.client.ingress.http;

import io.quicbond.client.ingress.Mutator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Seeded mutations of valid requests: the decoder and the target parser either succeed or throw
 * {@link HttpParseException}, never anything else; what they accept re-encodes to something they accept again,
 * and the head forwarded upstream always parses.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class HttpFuzzTest {
    private static final int CASES = 10_000;

    private static final List<byte[]> SEEDS = List.of(
            "GET http://example.com:8080/a?b=1 HTTP/1.1\r\nHost: example.com\r\nProxy-Connection: keep-alive\r\n\r\n",
            "CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\nUser-Agent: curl/8\r\n\r\n",
            "POST http://10.0.0.1/x HTTP/1.0\nConnection: keep-alive, X-A\nX-A: 1\nContent-Length: 2\n\nhi",
            "CONNECT example.com:443 HTTP/1.1\r\n\r\n")
            .stream().map(s -> s.getBytes(StandardCharsets.ISO_8859_1)).toList();

    @Test
    void requestParsersOnlyEverThrowHttpParseException() {
        var random = new Random(7);
        for (int i = 0; i < CASES; i++) {
            byte[] input = Mutator.mutate(SEEDS.get(random.nextInt(SEEDS.size())), random);
            try {
                HttpRequestHead head = HttpRequestDecoder.decode(new ByteArrayInputStream(input));
                assertEquals(head, HttpRequestDecoder.decode(new ByteArrayInputStream(head.encode())));
                HttpRequestTarget target = HttpRequestTarget.of(head);
                if (target.originForm() != null) {
                    byte[] forwarded = HttpProxyIngress.forwardedHead(head, target).encode();
                    HttpRequestDecoder.decode(new ByteArrayInputStream(forwarded));
                }
            } catch (HttpParseException expected) {
                // clean rejection
            } catch (Throwable t) {
                fail("case " + i + ", input " + Mutator.hex(input) + ": " + t, t);
            }
        }
    }
}
