package io.quicbond.client.ingress;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A fixture origin server on loopback: {@code /hello} answers "hello world"; {@code /echo} answers with what it
 * received: method, URI, body and every header as "name: value" lines (names lower-cased, sorted).
 */
public final class FixtureHttpServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    public FixtureHttpServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(executor);
        server.createContext("/hello", exchange -> respond(exchange, "hello world"));
        server.createContext("/echo", exchange -> {
            var text = new StringBuilder();
            text.append("method=").append(exchange.getRequestMethod()).append('\n');
            text.append("uri=").append(exchange.getRequestURI()).append('\n');
            text.append("body=").append(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
                    .append('\n');
            new TreeMap<>(exchange.getRequestHeaders()).forEach((name, values) -> values.forEach(
                    v -> text.append(name.toLowerCase()).append(": ").append(v).append('\n')));
            respond(exchange, text.toString());
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:port} + path. */
    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    private static void respond(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
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
