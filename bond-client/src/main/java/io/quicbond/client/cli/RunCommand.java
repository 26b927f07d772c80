package io.quicbond.client.cli;

import io.quicbond.client.BondClientApp;
import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.HostPort;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bond-client run}: starts the client and runs until SIGTERM or Ctrl-C (or until the calling thread is
 * interrupted, which is how a test stops it). Prints where the ingresses listen on standard output, logs on
 * standard error.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Start the client: uplinks, ingresses and the status endpoint. Runs until SIGTERM or Ctrl-C.",
                "Uplink events (up, down, suspect, reconnect errors) are logged on standard error."})
final class RunCommand implements Callable<Integer> {

    @ArgGroup(exclusive = true, multiplicity = "1")
    ConfigSource source;

    @Mixin
    ListenOptions listen;

    @Option(names = "--state-file", paramLabel = "FILE", description = "Where data budget use is kept across restarts"
            + " (default: quicbond-usage.json beside the config file; none when the config is not a file).")
    Path stateFile;

    @Option(names = {"-v", "--verbose"}, description = "Also log debug messages.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ClientConfig config = listen.apply(source.load());
        try (LogSetup ignored = LogSetup.install(err, verbose)) {
            BondClientApp app;
            try {
                Path state = stateFile != null ? stateFile : source.config == null ? null
                        : source.config.toAbsolutePath().resolveSibling("quicbond-usage.json");
                app = BondClientApp.start(config, state);
            } catch (IOException e) {
                throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client run: " + e.getMessage()
                        + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""));
            }
            printListeners(out, app);
            if (source.config != null) {
                app.setConfigReader(() -> listen.apply(source.load()));
                installReloadSignal(app, err);
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                // The JVM is exiting: JUL may already be shut down, so write directly.
                err.println("bond-client: stopping");
                err.flush();
                app.close();
                stopped.countDown();
            }, "bond-client-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                stopped.await();
            } catch (InterruptedException e) {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or has run; it closes the app
                }
                app.close();
                Thread.currentThread().interrupt();
            }
            return ExitCodes.OK;
        }
    }

    /** SIGHUP re-reads the config file and applies its uplinks, as `bond-client reload` does. */
    private static void installReloadSignal(BondClientApp app, PrintWriter err) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> Thread.ofVirtual().start(() -> {
                BondClientApp.ReloadResult r = app.reloadFromSource();
                if (r.error() != null) {
                    err.println("bond-client: reload failed: " + r.error());
                    err.flush();
                } else if (!r.restartNeededFor().isEmpty()) {
                    err.println("bond-client: reload: restart to apply " + String.join(", ", r.restartNeededFor()));
                    err.flush();
                }
            }));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            err.println("bond-client: SIGHUP reload unavailable here (" + e.getMessage() + "); use bond-client reload");
            err.flush();
        }
    }

    static void printListeners(PrintWriter out, BondClientApp app) {
        ClientConfig c = app.config();
        if (c.transport().isVless()) {
            out.println("bond-client: compat mode, every flow as VLESS to " + c.transport().server()
                    + (c.transport().mptcp() ? " over MPTCP" : " over TCP"));
        } else {
            out.println("bond-client: user " + c.user() + ", session " + app.transport().sessionId() + ", "
                    + c.uplinks().size() + (c.uplinks().size() == 1 ? " uplink" : " uplinks") + " to "
                    + c.server().address());
        }
        if (app.socks5Address() != null) {
            out.println("socks5 listening on " + HostPort.format(app.socks5Address()));
        }
        if (app.httpAddress() != null) {
            out.println("http proxy listening on " + HostPort.format(app.httpAddress()));
        }
        List<InetSocketAddress> fw = app.forwardAddresses();
        for (int i = 0; i < fw.size(); i++) {
            ClientConfig.Forward f = c.forwards().get(i);
            out.println("forward " + f.protocol().name().toLowerCase(java.util.Locale.ROOT) + " " + HostPort.format(fw.get(i))
                    + " -> " + HostPort.of(f.to()));
        }
        out.println("status on http://" + HostPort.format(app.statusAddress()) + "/status");
        out.flush();
    }
}
