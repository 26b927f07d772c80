package io.quicbond.client.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reading and writing {@code client.json}: strict Jackson settings (unknown and duplicate keys, trailing content,
 * and values of the wrong JSON type are all errors; no coercion of "15" into 15 or 1.5 into 1), and Jackson's
 * errors turned into one line that names the source and the field. Stateless; any thread.
 */
final class ConfigJson {
    /** A client config is a few kilobytes; anything this big is a mistake. */
    static final int MAX_BYTES = 1 << 20;

    static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)
            // A number or boolean where text belongs (or the reverse) is a mistake worth naming, not a value.
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Integer, c -> c
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, c -> c
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Collection, c -> c
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.POJO, c -> c
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail))
            .build();

    /** Lenient on duplicates: used only to describe a value after the strict read has failed. */
    private static final JsonMapper TREE_READER = JsonMapper.builder().build();

    private ConfigJson() {
    }

    static ClientConfig load(Path file) throws ConfigException {
        String source = file.toString();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source + ": no such file");
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read: " + e.getMessage());
        }
        return parse(bytes, source);
    }

    static ClientConfig parse(byte[] json, String source) throws ConfigException {
        return ConfigValidator.validate(read(json, source).withDefaults(), source);
    }

    /** The file form as written, nothing filled in. */
    static ConfigFile read(byte[] json, String source) throws ConfigException {
        if (json.length > MAX_BYTES) {
            throw new ConfigException(source + ": larger than " + MAX_BYTES + " bytes; not a client config");
        }
        ConfigFile file;
        try {
            file = MAPPER.readValue(json, ConfigFile.class);
        } catch (IOException e) {
            throw new ConfigException(source + ": " + describe(e, json));
        }
        if (file == null) {
            throw new ConfigException(source + ": the document is null; expected a JSON object");
        }
        return file;
    }

    static String write(ConfigFile file) {
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withArrayIndenter(new DefaultIndenter("  ", "\n"));
        try {
            return MAPPER.writer(printer).writeValueAsString(file) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a config as JSON", e);
        }
    }

    /** One line: the field path and what is wrong, or the line and column of a syntax error. */
    static String describe(IOException e, byte[] json) {
        if (e instanceof UnrecognizedPropertyException u) {
            String parent = path(u.getPath().subList(0, u.getPath().size() - 1));
            Collection<Object> known = u.getKnownPropertyIds();
            return (parent.isEmpty() ? "" : parent + ": ") + "unknown key " + ConfigText.quote(u.getPropertyName())
                    + (known == null || known.isEmpty() ? ""
                    : " (known: " + known.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")");
        }
        if (e instanceof MismatchedInputException m && !m.getPath().isEmpty()) {
            String got = kind(valueAt(json, m.getPath()));
            return path(m.getPath()) + ": expected " + expected(m.getTargetType())
                    + (got != null ? ", got " + got : "");
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return path(m.getPath()) + ": " + firstLine(m.getOriginalMessage());
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() == ConfigFile.class) {
            String got = kind(valueAt(json, List.of()));
            return got == null ? "empty document; expected a JSON object" : "expected a JSON object, got " + got;
        }
        if (e instanceof JsonProcessingException j) {
            JsonLocation at = j.getLocation();
            String where = at == null || at.getLineNr() < 0 ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ";
            String message = j.getOriginalMessage();
            return where + firstLine(message == null ? j.getClass().getSimpleName() : message);
        }
        return "cannot read: " + firstLine(String.valueOf(e.getMessage()));
    }

    private static String path(List<JsonMappingException.Reference> refs) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : refs) {
            if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            } else if (r.getFieldName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(r.getFieldName());
            }
        }
        return out.toString();
    }

    private static final Map<Class<?>, String> EXPECTED = Map.of(
            String.class, "a string",
            Long.class, "a whole number",
            Integer.class, "a whole number",
            Boolean.class, "true or false",
            List.class, "a list");

    private static String expected(Class<?> type) {
        if (type == null) {
            return "another type";
        }
        String e = EXPECTED.get(type);
        if (e != null) {
            return e;
        }
        return type.isRecord() ? "an object" : Collection.class.isAssignableFrom(type) ? "a list" : type.getSimpleName();
    }

    /**
     * The value at {@code path} in {@code json}, read again as a tree to say what was there instead (Jackson's
     * exception does not keep it); null if it cannot be found.
     */
    private static JsonNode valueAt(byte[] json, List<JsonMappingException.Reference> path) {
        JsonNode node;
        try {
            node = TREE_READER.readTree(json);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        for (JsonMappingException.Reference r : path) {
            if (node == null) {
                return null;
            }
            node = r.getIndex() >= 0 ? node.get(r.getIndex()) : r.getFieldName() != null ? node.get(r.getFieldName()) : node;
        }
        return node;
    }

    private static String kind(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return null;
        }
        return switch (n.getNodeType()) {
            case OBJECT, POJO -> "an object";
            case ARRAY -> "a list";
            case STRING -> "a string";
            case NUMBER -> n.isIntegralNumber() ? "a whole number" : "a fractional number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> null;
        };
    }

    /** Jackson's messages quote the input at length after a newline; keep the first line, cut short. */
    private static String firstLine(String message) {
        int nl = message.indexOf('\n');
        String line = nl >= 0 ? message.substring(0, nl) : message;
        line = line.replaceAll("\\s*\\(for [^)]*\\)", "");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
