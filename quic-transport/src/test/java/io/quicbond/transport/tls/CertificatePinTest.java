package io.quicbond.transport.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CertificatePinTest {

    private static ServerIdentity server;
    private static ServerIdentity impostor;

    @BeforeAll
    static void identities() {
        server = ServerIdentity.generate(List.of("bond.example.net"));
        impostor = ServerIdentity.generate(List.of("bond.example.net"));
    }

    @Test
    void parsesWhatServerIdentityPrints() {
        CertificatePin pin = CertificatePin.parse(server.pin());
        assertEquals(server.pin(), pin.toString());
        assertEquals(CertificatePin.of(server.certificate()), pin);
        assertEquals(CertificatePin.of(server.certificate()).hashCode(), pin.hashCode());
        assertEquals(32, pin.sha256().length);
    }

    @Test
    void sha256IsACopy() {
        CertificatePin pin = CertificatePin.parse(server.pin());
        byte[] hash = pin.sha256();
        Arrays.fill(hash, (byte) 0);
        assertEquals(server.pin(), pin.toString());
    }

    @Test
    void matchesOnlyItsOwnCertificate() {
        CertificatePin pin = CertificatePin.parse(server.pin());
        assertTrue(pin.matches(server.certificate()));
        assertFalse(pin.matches(impostor.certificate()));
        assertFalse(pin.matches(null));
        assertNotEquals(pin, CertificatePin.of(impostor.certificate()));
    }

    @Test
    void aRenewedCertificateWithTheSameKeyKeepsThePin() throws Exception {
        // The pin covers the public key, not the certificate: re-signing the same key must not break clients.
        X509Certificate renewed = SelfSigned.reissue(server);
        assertFalse(Arrays.equals(server.certificate().getEncoded(), renewed.getEncoded()));
        assertTrue(CertificatePin.parse(server.pin()).matches(renewed));
    }

    @Test
    void trustManagerAcceptsThePinnedServer() {
        X509TrustManager trust = CertificatePin.pinningTrustManager(CertificatePin.parse(server.pin()));
        assertInstanceOf(X509ExtendedTrustManager.class, trust, "so that JSSE does not wrap it with host name checks");
        assertDoesNotThrow(() -> trust.checkServerTrusted(new X509Certificate[] {server.certificate()}, "EC"));
        // Only the leaf counts; whatever follows it is ignored.
        assertDoesNotThrow(() -> trust.checkServerTrusted(
                new X509Certificate[] {server.certificate(), impostor.certificate()}, "EC"));
        assertEquals(0, trust.getAcceptedIssuers().length);
    }

    @Test
    void trustManagerRejectsAnotherServerNamingBothPins() {
        X509TrustManager trust = CertificatePin.pinningTrustManager(CertificatePin.parse(server.pin()));
        CertificateException e = assertThrows(CertificateException.class,
                () -> trust.checkServerTrusted(new X509Certificate[] {impostor.certificate(), server.certificate()}, "EC"));
        assertEquals("certificate pin mismatch: expected " + server.pin() + ", got " + impostor.pin(), e.getMessage());
    }

    @Test
    void trustManagerRejectsEmptyChainsAndAllClients() {
        X509TrustManager trust = CertificatePin.pinningTrustManager(CertificatePin.parse(server.pin()));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(new X509Certificate[0], "EC"));
        assertThrows(CertificateException.class, () -> trust.checkServerTrusted(null, "EC"));
        assertThrows(CertificateException.class,
                () -> trust.checkClientTrusted(new X509Certificate[] {server.certificate()}, "EC"));
        X509ExtendedTrustManager extended = (X509ExtendedTrustManager) trust;
        assertThrows(CertificateException.class, () -> extended.checkClientTrusted(
                new X509Certificate[] {server.certificate()}, "EC", (java.net.Socket) null));
        assertThrows(CertificateException.class, () -> extended.checkServerTrusted(
                new X509Certificate[] {impostor.certificate()}, "EC", (javax.net.ssl.SSLEngine) null));
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "",
            "sha256/",
            "sha1/AAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "SHA256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            " sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU= ",
            "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
            "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU==",
            "sha256/47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
            "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=",
            "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hS=FU=",
            "sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3h\nuFU=",
            "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    })
    void rejectsMalformedPinsWithAClearMessage(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CertificatePin.parse(input));
        assertTrue(e.getMessage().startsWith("certificate pin "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "control characters are escaped: " + e.getMessage());
    }

    @Test
    void rejectsNull() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CertificatePin.parse(null));
        assertEquals("certificate pin is missing", e.getMessage());
    }

    @Test
    void acceptsTheCanonicalFormOfAKnownHash() {
        // SHA-256 of the empty string, as RFC 7469 and okhttp spell pins.
        CertificatePin pin = CertificatePin.parse("sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assertArrayEquals(CertificatePin.sha256(new byte[0]), pin.sha256());
    }

    @Test
    void errorMessagesQuoteOnlyAShortPrefixOfHugeInput() {
        String huge = "sha256/" + "A".repeat(1_000_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CertificatePin.parse(huge));
        assertTrue(e.getMessage().length() < 300, "message length " + e.getMessage().length());
    }

    /**
     * Fuzzes the parser with random and mutated input: it must either return a pin whose canonical form parses
     * back to itself, or throw IllegalArgumentException; nothing else, whatever the input.
     */
    @Test
    void fuzzedInputOnlyEverYieldsAPinOrIllegalArgumentException() {
        Random random = new Random(0x9e3779b97f4a7c15L);
        String valid = server.pin();
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ sha256/\u0000\u00e9\ud83d\ude00%";
        int accepted = 0;
        for (int i = 0; i < 200_000; i++) {
            String input = switch (random.nextInt(4)) {
                case 0 -> randomString(random, alphabet, random.nextInt(60));
                case 1 -> "sha256/" + randomString(random, alphabet, 40 + random.nextInt(8));
                case 2 -> mutate(random, valid, alphabet);
                default -> "sha256/" + Base64.getEncoder().encodeToString(
                        randomBytes(random, random.nextBoolean() ? 32 : random.nextInt(40)));
            };
            try {
                CertificatePin pin = CertificatePin.parse(input);
                accepted++;
                assertEquals(input, pin.toString(), "only the canonical form is accepted");
                assertEquals(pin, CertificatePin.parse(pin.toString()));
            } catch (IllegalArgumentException expected) {
                if (expected.getMessage() == null || expected.getMessage().isEmpty()) {
                    fail("no message for input " + input);
                }
            } catch (RuntimeException other) {
                fail("input '" + input + "' threw " + other, other);
            }
        }
        assertTrue(accepted > 1000, "the fuzzer reached the accepting path only " + accepted + " times");
    }

    private static String mutate(Random random, String valid, String alphabet) {
        StringBuilder s = new StringBuilder(valid);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && !s.isEmpty(); e++) {
            int at = random.nextInt(s.length());
            switch (random.nextInt(3)) {
                case 0 -> s.setCharAt(at, alphabet.charAt(random.nextInt(alphabet.length())));
                case 1 -> s.deleteCharAt(at);
                default -> s.insert(at, alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return s.toString();
    }

    private static String randomString(Random random, String alphabet, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
