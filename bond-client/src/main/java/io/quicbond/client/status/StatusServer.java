package io.quicbond.client.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quicbond.transport.net.IpLiterals;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The client's local admin endpoint, plain HTTP/1.1 on a loopback address (no authentication, so never anywhere
 * else):
 * <ul>
 *   <li>{@code GET /status}: 200 with {@link StatusDocument} as JSON.</li>
 *   <li>{@code GET /health}: 200 {@code {"healthy":true,"uplinks_up":N,"uplinks_configured":M}} while at least one
 *       uplink is up, else 503 with {@code "healthy":false}.</li>
 *   <li>HEAD as GET without a body; other methods 405; other paths 404.</li>
 * </ul>
 * A request whose {@code Host} header names anything but an IP literal or {@code localhost} gets 403: that stops
 * a web page from reading the endpoint through DNS rebinding.
 *
 * <p>Threads: one virtual thread per request; {@code status} is called on those threads and must be thread-safe.
 * {@link #close()} from any thread.
 */
public final class StatusServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StatusServer.class.getName());

    static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(SerializationFeature.INDENT_OUTPUT)
            .build();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Supplier<StatusDocument> status;
    private final AtomicBoolean closed = new AtomicBoolean();

    private Supplier<?> reload = () -> Map.of("error", "reload is not available");

    private StatusServer(HttpServer server, ExecutorService executor, Supplier<StatusDocument> status) {
        this.server = server;
        this.executor = executor;
        this.status = status;
    }

    /**
     * Binds and starts serving.
     *
     * @throws IOException when the address cannot be bound
     */
    /**
     * Also answers POST /reload by calling {@code reload} (loopback only, like everything here) and returning
     * its result as JSON.
     */
    public static StatusServer start(InetSocketAddress listen, Supplier<StatusDocument> status, Supplier<?> reload)
            throws IOException {
        StatusServer s = start(listen, status);
        s.reload = reload;
        return s;
    }

    public static StatusServer start(InetSocketAddress listen, Supplier<StatusDocument> status) throws IOException {
        HttpServer server;
        try {
            server = HttpServer.create(listen, 16);
        } catch (IOException e) {
            throw new IOException("status endpoint: cannot listen on " + listen + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("status-", 0).factory());
        server.setExecutor(executor);
        StatusServer s = new StatusServer(server, executor, status);
        server.createContext("/", s::handle);
        server.start();
        return s;
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            boolean head = "HEAD".equals(method);
            if (!allowedHost(exchange.getRequestHeaders().getFirst("Host"))) {
                send(exchange, 403, error("forbidden Host header"), head);
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if ("/reload".equals(path)) {
                if (!"POST".equals(method)) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                    send(exchange, 405, error("method not allowed"), false);
                    return;
                }
                send(exchange, 200, MAPPER.writeValueAsBytes(reload.get()), false);
                return;
            }
            if (!"/status".equals(path) && !"/health".equals(path)) {
                send(exchange, 404, error("not found; try /status or /health"), head);
                return;
            }
            if (!"GET".equals(method) && !head) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, error("method not allowed"), false);
                return;
            }
            StatusDocument doc = status.get();
            if ("/status".equals(path)) {
                send(exchange, 200, MAPPER.writeValueAsBytes(doc), head);
            } else {
                long up = doc.uplinksUp();
                Map<String, Object> health = new LinkedHashMap<>();
                health.put("healthy", up > 0);
                health.put("uplinks_up", up);
                health.put("uplinks_configured", doc.configured().size());
                send(exchange, up > 0 ? 200 : 503, MAPPER.writeValueAsBytes(health), head);
            }
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "status request failed", e);
            throw e;
        }
    }

    private static void send(HttpExchange exchange, int code, byte[] body, boolean head) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (head) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] error(String message) throws JsonProcessingException {
        return MAPPER.writeValueAsBytes(Map.of("error", message));
    }

    /** An absent Host (HTTP/1.0), an IP literal or "localhost", with or without a port. */
    static boolean allowedHost(String host) {
        if (host == null) {
            return true;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end > 0 && IpLiterals.isLiteral(h.substring(1, end)) && (end == h.length() - 1 || h.charAt(end + 1) == ':');
        }
        int colon = h.indexOf(':');
        String name = colon >= 0 ? h.substring(0, colon) : h;
        return "localhost".equals(name) || IpLiterals.isLiteral(name);
    }

    /** Stops at once; requests in progress are cut off. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.close();
    }
}
