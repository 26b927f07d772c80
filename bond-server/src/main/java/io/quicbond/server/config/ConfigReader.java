package io.quicbond.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.quicbond.server.egress.Cidr;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/** Reads {@code server.json}: JSON → {@link ServerConfigJson} → defaults filled → validated {@link ServerConfig}. */
final class ConfigReader {

    /** A server config is a few hundred bytes; anything this large is not one. */
    static final int MAX_FILE_BYTES = 1 << 20;

    private static final ObjectMapper JSON = mapper();

    private ConfigReader() {
    }

    static ServerConfig load(Path file) throws ConfigException {
        String source = file.toString();
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw new ConfigException(source, null, "is " + size + " bytes, larger than any server config ("
                        + MAX_FILE_BYTES + " bytes at most)");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(source, null, "no such file (create one with `bond-server init --dir DIR`)", e);
        } catch (IOException e) {
            throw new ConfigException(source, null, "cannot read: " + e, e);
        }
        return read(bytes, source);
    }

    static ServerConfig parse(String json, String source) throws ConfigException {
        return read(json.getBytes(StandardCharsets.UTF_8), source);
    }

    private static ServerConfig read(byte[] bytes, String source) throws ConfigException {
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            throw new ConfigException(source, null, "is empty; expected a JSON object such as {\"listen\": \""
                    + ServerConfig.DEFAULT_LISTEN + "\"}");
        }
        ServerConfigJson raw;
        // The parser is ours, not the mapper's, so that it is still open on an error and shows the token at fault.
        try (JsonParser parser = JSON.createParser(bytes)) {
            try {
                raw = JSON.readValue(parser, ServerConfigJson.class);
            } catch (JsonProcessingException e) {
                throw translate(e, parser, source);
            }
        } catch (IOException e) {
            throw new ConfigException(source, null, "cannot read: " + e, e);
        }
        if (raw == null) {
            throw new ConfigException(source, null, "expected a JSON object, got null");
        }
        return validate(raw.withDefaults(), source);
    }

    /** The validation step: parses every filled-in value into its type, then lets the records check their rules. */
    static ServerConfig validate(ServerConfigJson filled, String source) throws ConfigException {
        try {
            HostPort listen = hostPort(filled.listen(), "listen", source);
            Optional<HostPort> publicAddress = Optional.empty();
            if (filled.publicAddress() != null) {
                try {
                    publicAddress = Optional.of(HostPort.parseHost(filled.publicAddress(), listen.port()));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(source, "public_address", e.getMessage(), e);
                }
            }
            Path certificate = path(filled.certificate(), "certificate", source);
            Path privateKey = path(filled.privateKey(), "private_key", source);
            Path usersFile = path(filled.usersFile(), "users_file", source);
            HostPort statusListen = hostPort(filled.statusListen(), "status_listen", source);
            ServerConfigJson.EgressJson e = filled.egress();
            ServerConfig.Egress egress = new ServerConfig.Egress(cidrs(e.allow(), "egress.allow", source),
                    cidrs(e.deny(), "egress.deny", source), e.denyPorts(),
                    Duration.ofMillis(e.connectTimeoutMs()));
            ServerConfigJson.BondJson b = filled.bond();
            ServerConfig.Bond bond = new ServerConfig.Bond(b.flowWindowBytes(), b.flowSendBufferBytes(),
                    b.maxFlowsPerSession(), Duration.ofSeconds(b.udpIdleTimeoutS()),
                    Duration.ofSeconds(b.sessionGraceS()), Duration.ofSeconds(b.idleTimeoutS()), b.maxUdpPayload());
            ServerConfigJson.VlessJson v = filled.vless();
            List<ServerConfig.VlessListener> listeners = new ArrayList<>();
            for (int i = 0; i < v.listeners().size(); i++) {
                ServerConfigJson.VlessListenerJson l = v.listeners().get(i);
                String field = "vless.listeners[" + i + "]";
                if (l == null || l.listen() == null) {
                    throw new ConfigException(source, field + ".listen", "is missing (e.g. \"0.0.0.0:16384\")");
                }
                try {
                    listeners.add(new ServerConfig.VlessListener(hostPort(l.listen(), field + ".listen", source),
                            l.users(), l.mptcp()));
                } catch (FieldException bad) {
                    throw new ConfigException(source, bad.field().replace("vless.listeners[]", field), bad.reason(), bad);
                }
            }
            ServerConfig.Vless vless = new ServerConfig.Vless(listeners, Duration.ofMillis(v.headerTimeoutMs()),
                    Duration.ofSeconds(v.udpIdleTimeoutS()));
            return new ServerConfig(listen, publicAddress, filled.engine(), certificate, privateKey, usersFile,
                    filled.serverName(), statusListen, filled.statusPublic(), egress, bond,
                    filled.loginFailuresPerMinute(), vless);
        } catch (FieldException e) {
            throw new ConfigException(source, e.field(), e.reason(), e);
        }
    }

    static String write(ServerConfig config) {
        ServerConfig.Egress e = config.egress();
        ServerConfig.Bond b = config.bond();
        ServerConfigJson json = new ServerConfigJson(config.listen().toString(),
                config.publicAddress().map(p -> p.port() == config.listen().port() ? p.host() : p.toString())
                        .orElse(null),
                config.engine(), config.certificate().toString(), config.privateKey().toString(),
                config.usersFile().toString(), config.serverName(), config.statusListen().toString(),
                config.statusPublic(),
                new ServerConfigJson.EgressJson(strings(e.allow()), strings(e.deny()), e.denyPorts(),
                        e.connectTimeout().toMillis()),
                new ServerConfigJson.BondJson(b.flowWindowBytes(), b.flowSendBufferBytes(), b.maxFlowsPerSession(),
                        b.udpIdleTimeout().toSeconds(), b.sessionGrace().toSeconds(), b.idleTimeout().toSeconds(),
                        b.maxUdpPayload()),
                config.loginFailuresPerMinute(),
                new ServerConfigJson.VlessJson(config.vless().listeners().stream()
                        .map(l -> new ServerConfigJson.VlessListenerJson(l.listen().toString(), l.users(), l.mptcp()))
                        .toList(), config.vless().headerTimeout().toMillis(),
                        config.vless().udpIdleTimeout().toSeconds()));
        try {
            DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                    .withSeparators(Separators.createDefaultInstance()
                            .withObjectFieldValueSpacing(Separators.Spacing.AFTER));
            printer.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
            return JSON.writer(printer).writeValueAsString(json) + "\n";
        } catch (JsonProcessingException ex) {
            throw new IllegalStateException("cannot write a server config", ex);
        }
    }

    private static HostPort hostPort(String text, String field, String source) throws ConfigException {
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, field, e.getMessage(), e);
        }
    }

    private static Path path(String text, String field, String source) throws ConfigException {
        if (text.isBlank()) {
            throw new ConfigException(source, field, "must be a file path, got " + HostPort.quote(text));
        }
        try {
            return Path.of(text);
        } catch (InvalidPathException e) {
            throw new ConfigException(source, field, "not a valid file path: " + HostPort.quote(text), e);
        }
    }

    private static List<Cidr> cidrs(List<String> texts, String field, String source) throws ConfigException {
        List<Cidr> result = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            if (text == null) {
                throw new ConfigException(source, field + "[" + i + "]", "expected a CIDR such as 10.0.0.0/8, got null");
            }
            try {
                result.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(source, field + "[" + i + "]", e.getMessage(), e);
            }
        }
        return result;
    }

    private static List<String> strings(Collection<Cidr> cidrs) {
        return cidrs.stream().map(Cidr::toString).toList();
    }

    /** Jackson's errors in the operator's terms: the key path, and what was expected and found. */
    private static ConfigException translate(JsonProcessingException e, JsonParser parser, String source) {
        if (e instanceof UnrecognizedPropertyException u) {
            List<JsonMappingException.Reference> path = u.getPath();
            String parent = pathOf(path.subList(0, Math.max(0, path.size() - 1)));
            TreeSet<String> known = new TreeSet<>();
            if (u.getKnownPropertyIds() != null) {
                u.getKnownPropertyIds().forEach(k -> known.add(String.valueOf(k)));
            }
            String suggestion = closest(u.getPropertyName(), known);
            return new ConfigException(source, parent.isEmpty() ? null : parent,
                    "unknown key " + HostPort.quote(u.getPropertyName())
                            + (suggestion != null ? ", did you mean '" + suggestion + "'?" : "")
                            + " (known keys: " + String.join(", ", known) + ")", e);
        }
        String where = e.getLocation() != null
                ? " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() : "";
        String detail = firstLine(e.getOriginalMessage());
        if (detail.startsWith("Trailing token")) {
            return new ConfigException(source, null, "unexpected content after the JSON object" + where, e);
        }
        if (detail.startsWith("Duplicate field")) {
            String field = pathOf(parser.getParsingContext());
            return new ConfigException(source, field.isEmpty() ? null : field, "appears twice" + where, e);
        }
        if (e instanceof MismatchedInputException m) {
            String field = pathOf(m.getPath());
            String expected = describeType(m.getTargetType());
            String got = describeToken(parser.currentToken());
            String reason = "expected " + expected + (got != null ? ", got " + got : "");
            return new ConfigException(source, field.isEmpty() ? null : field, reason, e);
        }
        String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                ? pathOf(m.getPath()) : pathOf(parser.getParsingContext());
        if (e instanceof InputCoercionException || e.getCause() instanceof InputCoercionException
                || detail.contains("out of range of")) {
            return new ConfigException(source, field.isEmpty() ? null : field,
                    "number out of range: " + HostPort.quote(numberText(parser)), e);
        }
        return new ConfigException(source, field.isEmpty() ? null : field, "not valid JSON" + where + ": " + detail, e);
    }

    private static String numberText(JsonParser parser) {
        try {
            return parser.getText();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String pathOf(List<JsonMappingException.Reference> references) {
        StringBuilder out = new StringBuilder();
        for (JsonMappingException.Reference r : references) {
            if (r.getFieldName() != null) {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                out.append('[').append(r.getIndex()).append(']');
            }
        }
        return out.toString();
    }

    private static String pathOf(JsonStreamContext context) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.addFirst("[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.addFirst("." + c.getCurrentName());
            }
        }
        String joined = String.join("", parts);
        return joined.startsWith(".") ? joined.substring(1) : joined;
    }

    private static String describeType(Class<?> type) {
        if (type == null) {
            return "another value";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == Long.class || type == int.class || type == long.class) {
            return "an integer";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (List.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object";
    }

    private static String describeToken(JsonToken token) {
        if (token == null) {
            return null;
        }
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT -> "an integer";
            case VALUE_NUMBER_FLOAT -> "a decimal number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT, FIELD_NAME -> "an object";
            case START_ARRAY -> "a list";
            default -> null;
        };
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "malformed";
        }
        int newline = message.indexOf('\n');
        String line = newline < 0 ? message : message.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }

    /** The known key within edit distance 2 of a misspelt one, if there is exactly one best. */
    private static String closest(String key, Collection<String> known) {
        if (key == null || key.length() > 64) {
            return null;
        }
        String best = null;
        int bestDistance = 3;
        for (String candidate : known) {
            int d = distance(key, candidate);
            if (d < bestDistance) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                current[j] = Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static ObjectMapper mapper() {
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        // No type guessing: "4433" is not a number, 4433 is not a string, 1 is not true, "" is not a list.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean)
                .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        for (LogicalType type : new LogicalType[]{LogicalType.Collection, LogicalType.POJO}) {
            mapper.coercionConfigFor(type)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        }
        return mapper;
    }
}
