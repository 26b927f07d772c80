package io.quicbond.client.ingress.http;

import io.quicbond.client.ingress.http.HttpRequestHead.Field;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a request's head (RFC 9112 §2–§5) from a stream and stops right after the empty line, so the body stays
 * in the stream. Strict where leniency helps request smuggling, lenient where the RFC allows it.
 *
 * <p>Throws {@link HttpParseException} for a malformed head (400), one over {@link #MAX_HEAD_BYTES} (431), or a
 * stream that ends early (400); {@link IOException} only when the stream fails. Stateless; any thread.
 */
final class HttpRequestDecoder {
    /** Request line plus header section. */
    static final int MAX_HEAD_BYTES = 64 * 1024;

    private HttpRequestDecoder() {
    }

    static HttpRequestHead decode(InputStream in) throws IOException, HttpParseException {
        var reader = new LineReader(in);
        String requestLine = reader.readLine();
        // RFC 9112 §2.2: "a server that is expecting to receive and parse a request-line SHOULD ignore at least
        // one empty line (CRLF) received prior to the request-line."
        while (requestLine.isEmpty()) {
            requestLine = reader.readLine();
        }
        // RFC 9112 §3: request-line = method SP request-target SP HTTP-version
        String[] parts = requestLine.split(" ", -1);
        if (parts.length != 3) {
            throw badRequest("malformed request line");
        }
        String method = parts[0];
        String target = parts[1];
        String version = parts[2];
        if (!isToken(method)) {
            throw badRequest("malformed method");
        }
        if (target.isEmpty() || !target.chars().allMatch(c -> c > 0x20 && c < 0x7F)) {
            throw badRequest("malformed request target");
        }
        // RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT; only 1.x is ours to proxy.
        if (!version.matches("HTTP/1\\.[0-9]")) {
            throw badRequest("unsupported version " + version);
        }
        List<Field> fields = new ArrayList<>();
        for (String line = reader.readLine(); !line.isEmpty(); line = reader.readLine()) {
            fields.add(field(line));
        }
        return new HttpRequestHead(method, target, version, fields);
    }

    /** RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. */
    private static Field field(String line) throws HttpParseException {
        // RFC 9112 §5.2: "A server that receives an obs-fold in a request message ... MUST either reject the
        // message by sending a 400 (Bad Request) ... or replace each received obs-fold with one or more SP".
        if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
            throw badRequest("obsolete line folding");
        }
        int colon = line.indexOf(':');
        if (colon < 0) {
            throw badRequest("header line without ':'");
        }
        String name = line.substring(0, colon);
        // RFC 9112 §5.1: "A server MUST reject, with a response status code of 400 (Bad Request), any received
        // request message that contains whitespace between a header field name and colon."
        if (!isToken(name)) {
            throw badRequest("malformed header name");
        }
        String value = line.substring(colon + 1).strip();
        // RFC 9110 §5.5: field-value is VCHAR, obs-text, SP and HTAB; no other control character.
        if (!value.chars().allMatch(c -> c == '\t' || c >= 0x20 && c != 0x7F)) {
            throw badRequest("control character in header " + name);
        }
        return new Field(name, value);
    }

    /** RFC 9110 §5.6.2: token = 1*tchar. */
    static boolean isToken(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c < 0x7F
                && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0));
    }

    private static HttpParseException badRequest(String message) {
        return new HttpParseException(400, message);
    }

    /** Lines as ISO-8859-1, counting bytes against {@link #MAX_HEAD_BYTES} over the whole head. */
    private static final class LineReader {
        private final InputStream in;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        private int total;

        LineReader(InputStream in) {
            this.in = in;
        }

        String readLine() throws IOException, HttpParseException {
            line.reset();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    throw badRequest("connection ended inside the request head");
                }
                if (++total > MAX_HEAD_BYTES) {
                    throw new HttpParseException(431, "request head over " + MAX_HEAD_BYTES + " bytes");
                }
                if (b == '\n') {
                    // RFC 9112 §2.2: "a recipient MAY recognize a single LF as a line terminator and ignore any
                    // preceding CR."
                    byte[] bytes = line.toByteArray();
                    int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    for (int i = 0; i < length; i++) {
                        // RFC 9112 §2.2: "A recipient of such a bare CR MUST consider that element to be invalid
                        // or replace each bare CR with SP before processing the element"
                        if (bytes[i] == '\r') {
                            throw badRequest("bare CR in request head");
                        }
                    }
                    return new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
                }
                line.write(b);
            }
        }
    }
}
