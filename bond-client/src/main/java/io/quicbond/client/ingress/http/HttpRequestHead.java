package io.quicbond.client.ingress.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The request line and header section of an HTTP/1.1 request (RFC 9112 §2.1), as received. Field names keep their
 * case; bytes are ISO-8859-1 so that {@link #encode()} gives back exactly what a canonical request sent.
 */
record HttpRequestHead(String method, String target, String version, List<Field> fields) {

    record Field(String name, String value) {
    }

    HttpRequestHead {
        fields = List.copyOf(fields);
    }

    /** The first field of that name (case-insensitive), if any. */
    Optional<String> field(String name) {
        return fields.stream().filter(f -> f.name().equalsIgnoreCase(name)).map(Field::value).findFirst();
    }

    /** Request line, fields, each ending in CRLF, then the empty line. */
    byte[] encode() {
        var out = new ByteArrayOutputStream();
        writeLine(out, method + " " + target + " " + version);
        for (Field f : fields) {
            writeLine(out, f.name() + ": " + f.value());
        }
        writeLine(out, "");
        return out.toByteArray();
    }

    private static void writeLine(ByteArrayOutputStream out, String line) {
        out.writeBytes(line.getBytes(StandardCharsets.ISO_8859_1));
        out.write('\r');
        out.write('\n');
    }
}
