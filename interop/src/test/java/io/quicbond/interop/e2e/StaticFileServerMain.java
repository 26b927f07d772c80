package io.quicbond.interop.e2e;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A file server for tests that run programs in other network namespaces: {@code StaticFileServerMain PORT FILE}
 * serves FILE at {@code http://127.0.0.1:PORT/file} until killed.
 */
public final class StaticFileServerMain {
    private StaticFileServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[1]);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(),
                Integer.parseInt(args[0])), 50);
        server.createContext("/file", exchange -> {
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream body = exchange.getResponseBody()) {
                Files.copy(file, body);
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }
}
