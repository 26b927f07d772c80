package io.quicbond.server.status;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The local admin HTTP endpoint ({@code com.sun.net.httpserver}): {@code GET /status} answers the
 * {@link StatusReport} as JSON, {@code GET /health} answers {@code ok}. Other paths get 404, other methods 405.
 * There is no authentication, which is why the configuration keeps it on loopback unless told otherwise.
 *
 * <p>Threads: one virtual thread per request; the report supplier is called on it and must be thread-safe.
 * {@link #close()} stops accepting and returns without waiting for requests in progress.
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(StatusServer.class.getName());

    private final HttpServer server;
    private final ExecutorService executor;

    private StatusServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts the endpoint.
     *
     * @param bind   address to listen on (port 0 picks a free one)
     * @param report makes the report for each {@code GET /status}
     * @throws IOException if the address cannot be bound
     */
    public static StatusServer start(InetSocketAddress bind, Supplier<StatusReport> report) throws IOException {
        Objects.requireNonNull(report, "report");
        HttpServer server;
        try {
            server = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new IOException("cannot listen for status requests on " + bind + ": " + e.getMessage(), e);
        }
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", exchange -> handle(exchange, report));
        server.start();
        return new StatusServer(server, executor);
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void handle(HttpExchange exchange, Supplier<StatusReport> report) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            boolean head = method.equals("HEAD");
            if (!path.equals("/status") && !path.equals("/health")) {
                send(exchange, 404, "text/plain", "not found: try /status or /health\n", head);
            } else if (!method.equals("GET") && !head) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain", "method not allowed\n", false);
            } else if (path.equals("/health")) {
                send(exchange, 200, "text/plain", "ok\n", head);
            } else {
                String json;
                try {
                    json = report.get().toJson();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "cannot make the status report", e);
                    send(exchange, 500, "text/plain", "cannot make the status report: " + e + "\n", head);
                    return;
                }
                send(exchange, 200, "application/json", json + "\n", head);
            }
        } catch (IOException e) {
            LOG.fine(() -> "status request from " + exchange.getRemoteAddress() + " failed: " + e);
        }
    }

    private static void send(HttpExchange exchange, int code, String type, String body, boolean headOnly)
            throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        if (headOnly) {
            exchange.sendResponseHeaders(code, -1);
            return;
        }
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
