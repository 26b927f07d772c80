package io.quicbond.server.cli;

import io.quicbond.server.BondServerApp;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;

/**
 * How long {@code run} keeps the server up. The default, {@link #untilJvmShutdown(PrintWriter)}, waits for SIGTERM or Ctrl-C;
 * tests pass their own to stop an in-process {@code run}.
 */
@FunctionalInterface
public interface ServerLifetime {

    /**
     * Blocks, on the thread running the command, while the server should run. The caller closes the app after it
     * returns (closing is idempotent, so an implementation may close it first).
     */
    void await(BondServerApp app) throws InterruptedException;

    /**
     * Until the JVM shuts down (SIGTERM, SIGINT, System.exit): a shutdown hook closes the server, so that sessions
     * are closed with a reason rather than left to time out, and then lets {@code run} return. The hook reports on
     * {@code log} directly, since java.util.logging may already be shut down by then.
     */
    static ServerLifetime untilJvmShutdown(PrintWriter log) {
        return app -> {
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                log.println("bond-server: shutting down");
                log.flush();
                app.close();
                log.println("bond-server: stopped");
                log.flush();
                stopped.countDown();
            }, "bond-server-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            stopped.await();
        };
    }
}
