package io.quicbond.transport.tls;

import java.net.Socket;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A server certificate pin: the SHA-256 hash of the certificate's SubjectPublicKeyInfo (DER), written as
 * {@code "sha256/" + base64} (standard alphabet, padded, 44 characters), the form HPKP (RFC 7469) and okhttp use.
 * Pinning the public key rather than the whole certificate lets a server renew its certificate with the same
 * key without breaking its clients.
 *
 * <p>Immutable and thread-safe. {@link #parse} throws {@link IllegalArgumentException} with a message that says
 * what is wrong, never echoing more than a short prefix of the input.
 */
public final class CertificatePin {

    /** The only hash algorithm supported; the prefix of every pin string. */
    public static final String PREFIX = "sha256/";

    private static final int HASH_LENGTH = 32;
    /** Base64 of 32 bytes, padded: 43 characters and one '='. */
    private static final int ENCODED_LENGTH = 44;

    private final byte[] sha256;

    private CertificatePin(byte[] sha256) {
        this.sha256 = sha256;
    }

    /**
     * Parses {@code "sha256/<base64 of 32 bytes>"}. The input is taken as is: surrounding whitespace is an error,
     * so that a pin copied with a stray character is caught here rather than at the first handshake.
     *
     * @throws IllegalArgumentException if {@code pin} is null, lacks the prefix, is not padded standard base64,
     *                                  or does not decode to exactly 32 bytes
     */
    public static CertificatePin parse(String pin) {
        if (pin == null) {
            throw new IllegalArgumentException("certificate pin is missing");
        }
        if (!pin.startsWith(PREFIX)) {
            throw new IllegalArgumentException("certificate pin must start with '" + PREFIX + "', got '"
                    + excerpt(pin) + "'");
        }
        String encoded = pin.substring(PREFIX.length());
        if (encoded.length() != ENCODED_LENGTH) {
            throw new IllegalArgumentException("certificate pin must be '" + PREFIX + "' followed by "
                    + ENCODED_LENGTH + " base64 characters (a SHA-256 hash), got " + encoded.length()
                    + " characters: '" + excerpt(pin) + "'");
        }
        for (int i = 0; i < encoded.length(); i++) {
            char c = encoded.charAt(i);
            boolean valid = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '+' || c == '/' || c == '=' && i == ENCODED_LENGTH - 1;
            if (!valid) {
                throw new IllegalArgumentException("certificate pin has an invalid base64 character at position "
                        + (PREFIX.length() + i) + " (standard base64 with '=' padding expected): '"
                        + excerpt(pin) + "'");
            }
        }
        byte[] hash;
        try {
            hash = Base64.getDecoder().decode(encoded);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("certificate pin is not valid base64: '" + excerpt(pin) + "'", e);
        }
        // 44 padded characters always decode to 32 bytes, but the last character may carry bits that the
        // decoder drops; a non-canonical spelling would make two different strings denote one pin.
        if (hash.length != HASH_LENGTH || !Base64.getEncoder().encodeToString(hash).equals(encoded)) {
            throw new IllegalArgumentException("certificate pin is not a canonical base64 SHA-256 hash: '"
                    + excerpt(pin) + "'");
        }
        return new CertificatePin(hash);
    }

    /** The pin of {@code certificate}'s public key. */
    public static CertificatePin of(X509Certificate certificate) {
        Objects.requireNonNull(certificate, "certificate");
        return of(certificate.getPublicKey());
    }

    /** The pin of a public key; {@link PublicKey#getEncoded()} of an X.509 key is its SubjectPublicKeyInfo DER. */
    public static CertificatePin of(PublicKey publicKey) {
        Objects.requireNonNull(publicKey, "publicKey");
        return new CertificatePin(sha256(publicKey.getEncoded()));
    }

    /** The 32-byte SHA-256 hash (a copy). */
    public byte[] sha256() {
        return sha256.clone();
    }

    /** Whether {@code certificate}'s public key hashes to this pin; false for null. Constant time in the hash. */
    public boolean matches(X509Certificate certificate) {
        if (certificate == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256, sha256(certificate.getPublicKey().getEncoded()));
    }

    /**
     * A trust manager for the client side of a bond connection that trusts a server exactly when the leaf
     * certificate's public key matches {@code pin}. The rest of the chain, the host name and the validity dates
     * are deliberately not checked: the pin is the whole of the server's identity, as with an SSH host key, and
     * the server's certificate is self-signed.
     *
     * <p>The returned object is an {@link X509ExtendedTrustManager}, so JSSE uses it as is instead of wrapping
     * it with host name checks of its own. Thread-safe. {@code checkServerTrusted} throws
     * {@link CertificateException} {@code "certificate pin mismatch: expected X, got Y"} on a mismatch and for
     * an empty chain; {@code checkClientTrusted} always throws, since bond servers do not take client
     * certificates (clients authenticate in the bond protocol).
     */
    public static X509TrustManager pinningTrustManager(CertificatePin pin) {
        return new PinningTrustManager(Objects.requireNonNull(pin, "pin"));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertificatePin other && MessageDigest.isEqual(sha256, other.sha256);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(sha256);
    }

    /** The canonical form, {@code "sha256/" + base64}, accepted by {@link #parse}. */
    @Override
    public String toString() {
        return PREFIX + Base64.getEncoder().encodeToString(sha256);
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }

    /** Enough of hostile or mistyped input to recognise it, without copying megabytes into an exception. */
    private static String excerpt(String s) {
        String cut = s.length() > 60 ? s.substring(0, 60) + "…" : s;
        StringBuilder out = new StringBuilder(cut.length());
        cut.codePoints().forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return out.toString();
    }

    private static final class PinningTrustManager extends X509ExtendedTrustManager {
        private final CertificatePin pin;

        PinningTrustManager(CertificatePin pin) {
            this.pin = pin;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            if (chain == null || chain.length == 0 || chain[0] == null) {
                throw new CertificateException("server sent no certificate");
            }
            CertificatePin actual = CertificatePin.of(chain[0]);
            if (!MessageDigest.isEqual(pin.sha256, actual.sha256)) {
                throw new CertificateException("certificate pin mismatch: expected " + pin + ", got " + actual);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a pinning trust manager does not accept client certificates");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
