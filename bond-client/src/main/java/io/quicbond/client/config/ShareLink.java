package io.quicbond.client.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.quicbond.transport.tls.CertificatePin;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * A share link, everything a client needs in one line:
 * {@code quicbond://USER:SECRET@HOST:PORT?pin=PIN&sni=NAME}.
 *
 * <ul>
 *   <li>USER and SECRET percent-encoded (RFC 3986 §2.1); SECRET is the base64url secret text.</li>
 *   <li>HOST a DNS name, an IPv4 literal or a bracketed IPv6 literal; PORT is required.</li>
 *   <li>{@code pin} (required) the server's key pin, percent-encoded ({@code sha256%2F...%3D}); a raw '+' or '/'
 *       is also accepted, and '+' never means a space.</li>
 *   <li>{@code sni} (optional) the TLS server name; default "quicbond".</li>
 *   <li>A path other than "/", or an unknown or repeated parameter, is an error. A {@code #fragment} is
 *       ignored (a label for people).</li>
 * </ul>
 * Stateless; any thread. Messages never quote the secret.
 */
public final class ShareLink {
    public static final String SCHEME = "quicbond";
    /** The uplink of a config made from a link. */
    public static final String UPLINK_NAME = "wan0";
    private static final String PREFIX = SCHEME + "://";
    private static final int MAX_LENGTH = 4096;
    private static final String SOURCE = "share link";

    private ShareLink() {
    }

    /**
     * A minimal config from a link: one uplink "wan0", SOCKS5 on 127.0.0.1:1080, HTTP proxy on 127.0.0.1:8080,
     * everything else at its default.
     *
     * @throws ConfigException {@code "share link: ..."} saying which part is wrong
     */
    public static ClientConfig parse(String link) throws ConfigException {
        if (link == null) {
            throw fail("missing");
        }
        String s = link.strip();
        if (s.length() > MAX_LENGTH) {
            throw fail("too long (" + s.length() + " characters)");
        }
        if (!s.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
            throw fail("must start with " + PREFIX + " (e.g. " + PREFIX + "USER:SECRET@HOST:PORT?pin=...)");
        }
        String rest = s.substring(PREFIX.length());
        int hash = rest.indexOf('#');
        if (hash >= 0) {
            rest = rest.substring(0, hash);
        }
        String query = "";
        int question = rest.indexOf('?');
        if (question >= 0) {
            query = rest.substring(question + 1);
            rest = rest.substring(0, question);
        }
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            if (slash != rest.length() - 1) {
                throw fail("unexpected path after the port; expected ?pin=... there");
            }
            rest = rest.substring(0, slash);
        }
        int at = rest.lastIndexOf('@');
        if (at < 0) {
            throw fail("missing USER:SECRET@ before the host");
        }
        String userInfo = rest.substring(0, at);
        String hostPort = rest.substring(at + 1);
        int colon = userInfo.indexOf(':');
        if (colon < 0) {
            throw fail("missing ':' between user and secret");
        }
        String user = decode(userInfo.substring(0, colon), "user");
        String secret = decode(userInfo.substring(colon + 1), "secret");
        if (user.isEmpty()) {
            throw fail("user is empty");
        }
        if (secret.isEmpty()) {
            throw fail("secret is empty");
        }
        HostPort server;
        try {
            server = HostPort.parse(hostPort);
        } catch (IllegalArgumentException e) {
            throw fail("server: " + e.getMessage());
        }
        String pin = null;
        String sni = null;
        for (String param : query.split("&", -1)) {
            if (param.isEmpty()) {
                continue;
            }
            int eq = param.indexOf('=');
            String key = decode(eq < 0 ? param : param.substring(0, eq), "parameter name");
            String value = decode(eq < 0 ? "" : param.substring(eq + 1), "parameter " + ConfigText.quote(key));
            switch (key) {
                case "pin" -> {
                    if (pin != null) {
                        throw fail("pin given twice");
                    }
                    pin = value;
                }
                case "sni" -> {
                    if (sni != null) {
                        throw fail("sni given twice");
                    }
                    sni = value;
                }
                default -> throw fail("unknown parameter " + ConfigText.quote(key) + " (known: pin, sni)");
            }
        }
        if (pin == null) {
            throw fail("missing ?pin=sha256/... (the server's key pin)");
        }
        try {
            CertificatePin.parse(pin);
        } catch (IllegalArgumentException e) {
            throw fail("pin: " + e.getMessage());
        }
        if (sni != null) {
            try {
                HostPort.checkHostName(sni);
            } catch (IllegalArgumentException e) {
                throw fail("sni: " + e.getMessage());
            }
        }
        ConfigFile file = new ConfigFile(new ConfigFile.ServerFile(server.toString(), pin, sni), user, secret, null,
                List.of(new ConfigFile.UplinkFile(UPLINK_NAME, null, null, null, null, null, null, null, null, null,
                        null, null, null)),
                new ConfigFile.Socks5File(ConfigFile.DEFAULT_SOCKS5_LISTEN, null, null, null),
                new ConfigFile.HttpFile(ConfigFile.DEFAULT_HTTP_LISTEN), null, null, null, null, null);
        return ConfigValidator.validate(file.withDefaults(), SOURCE);
    }

    /** The link for {@code config}'s server, user and secret; {@link #parse} reads it back. */
    public static String format(ClientConfig config) {
        return format(config.user(), config.secret(), config.server().address(), config.server().pin(),
                config.server().serverName());
    }

    /** A link; {@code serverName} null leaves {@code sni} out (the default, "quicbond", applies). */
    public static String format(String user, String secret, HostPort server, CertificatePin pin, String serverName) {
        return PREFIX + encode(user) + ":" + encode(secret) + "@" + server + "?pin=" + encode(pin.toString())
                + (serverName != null ? "&sni=" + encode(serverName) : "");
    }

    /** RFC 3986 §2.3: unreserved characters stay, everything else is percent-encoded UTF-8. */
    static String encode(String s) {
        StringBuilder out = new StringBuilder(s.length() * 3 / 2);
        for (byte b : s.getBytes(UTF_8)) {
            char c = (char) (b & 0xff);
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
            }
        }
        return out.toString();
    }

    /** Strict percent-decoding into UTF-8 text; '+' is a '+'. */
    private static String decode(String s, String part) throws ConfigException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || Character.digit(s.charAt(i + 1), 16) < 0 || Character.digit(s.charAt(i + 2), 16) < 0
                        || s.charAt(i + 1) > 127 || s.charAt(i + 2) > 127) {
                    throw fail(part + ": bad percent-encoding (expected % and two hex digits)");
                }
                bytes.write(Character.digit(s.charAt(i + 1), 16) << 4 | Character.digit(s.charAt(i + 2), 16));
                i += 2;
            } else if (c < 0x21 || c == 0x7f) {
                throw fail(part + ": contains a space or control character; percent-encode it");
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                bytes.writeBytes(s.substring(i, i + 2).getBytes(UTF_8));
                i++;
            } else if (Character.isSurrogate(c)) {
                throw fail(part + ": contains a broken character (lone UTF-16 surrogate)");
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(UTF_8));
            }
        }
        try {
            String decoded = UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
            if (decoded.codePoints().anyMatch(Character::isISOControl)) {
                throw fail(part + ": contains a control character");
            }
            return decoded;
        } catch (CharacterCodingException e) {
            throw fail(part + ": not UTF-8 after percent-decoding");
        }
    }

    private static ConfigException fail(String message) {
        return new ConfigException(SOURCE + ": " + message);
    }

    /** Whether {@code text} looks like a share link (for commands that take a link or a file). */
    public static boolean looksLikeLink(String text) {
        return text != null && text.strip().toLowerCase(Locale.ROOT).startsWith(PREFIX);
    }
}
