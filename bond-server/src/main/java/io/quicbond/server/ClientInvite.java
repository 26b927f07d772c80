package io.quicbond.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.server.config.HostPort;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * What a client needs to join: a share link and a ready {@code client.json}. The client parses the link; this side
 * only writes it:
 *
 * <pre>{@code quicbond://USER:SECRET@HOST:PORT?pin=PIN&sni=SERVER_NAME}</pre>
 *
 * with an IPv6 host in brackets and the pin ({@code sha256/...}, standard base64) and server name URL-encoded. User
 * names ({@code [A-Za-z0-9._-]}) and secrets (base64url) need no encoding. Immutable.
 *
 * @param secret   the user's secret as base64url text, as {@code user add} shows it
 * @param endpoint where clients connect
 * @param pin      the server certificate's pin
 */
public record ClientInvite(String user, String secret, HostPort endpoint, String pin, String serverName) {

    /** Defaults of the generated client.json that are not the server's to decide. */
    static final String UPLINK = "wan0";
    static final String SOCKS5_LISTEN = "127.0.0.1:1080";
    static final String HTTP_LISTEN = "127.0.0.1:8080";

    private static final ObjectMapper JSON = new ObjectMapper();

    public ClientInvite {
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(pin, "pin");
        Objects.requireNonNull(serverName, "serverName");
    }

    /** The same invite for another endpoint (e.g. once a server started on port 0 knows its port). */
    public ClientInvite withEndpoint(HostPort value) {
        return new ClientInvite(user, secret, value, pin, serverName);
    }

    public String shareLink() {
        return "quicbond://" + user + ":" + secret + "@" + endpoint.hostForUri() + ":" + endpoint.port()
                + "?pin=" + URLEncoder.encode(pin, StandardCharsets.UTF_8)
                + "&sni=" + URLEncoder.encode(serverName, StandardCharsets.UTF_8);
    }

    /**
     * A client config: {@code {"server": {"address", "pin", "server_name"}, "user", "secret",
     * "uplinks": [{"name": "wan0"}], "socks5": {"listen": "127.0.0.1:1080"}, "http": {"listen": "127.0.0.1:8080"}}}.
     */
    public String clientJson() {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode server = root.putObject("server");
        server.put("address", endpoint.toString());
        server.put("pin", pin);
        server.put("server_name", serverName);
        root.put("user", user);
        root.put("secret", secret);
        root.putArray("uplinks").addObject().put("name", UPLINK);
        root.putObject("socks5").put("listen", SOCKS5_LISTEN);
        root.putObject("http").put("listen", HTTP_LISTEN);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));
        printer.indentArraysWith(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        try {
            return JSON.writer(printer).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a client config", e);
        }
    }
}
