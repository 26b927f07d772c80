package io.quicbond.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quicbond.server.config.HostPort;
import io.quicbond.server.config.ServerConfig;
import io.quicbond.server.status.StatusReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code status}: asks a running server's status endpoint ({@code GET /status}) and prints a table, or the JSON.
 * The endpoint is found from {@code --url}, else from {@code status_listen} in {@code --config} (default
 * {@code ./server.json} when it exists), else {@value #DEFAULT_URL}.
 */
@Command(name = "status",
        description = "Show the running server's sessions and uplinks.")
final class StatusCommand implements Callable<Integer> {

    static final String DEFAULT_URL = "http://127.0.0.1:7081";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @ArgGroup(exclusive = true)
    Target target;

    @Option(names = "--json", description = "Print the raw JSON report.")
    boolean json;

    static final class Target {
        @Option(names = {"-c", "--config"}, paramLabel = "FILE",
                description = "Find the endpoint from status_listen in this config (default: ./server.json if present).")
        Path config;

        @Option(names = "--url", paramLabel = "URL", description = "The status endpoint, e.g. " + DEFAULT_URL + ".")
        String url;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String base = baseUrl();
        URI uri;
        try {
            uri = URI.create(base.endsWith("/status") ? base : base.replaceAll("/+$", "") + "/status");
            if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("expected http://HOST:PORT");
            }
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, "--url: not a usable URL '" + base + "': " + e.getMessage());
        }
        String body = fetch(uri, base);
        if (json) {
            out.print(body.endsWith("\n") ? body : body + "\n");
            return ExitCodes.OK;
        }
        StatusReport report;
        try {
            report = StatusReport.parse(body);
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCodes.FAILURE, uri + " did not answer a quicbond status report: "
                    + e.getOriginalMessage());
        }
        out.print(render(report));
        return ExitCodes.OK;
    }

    private String baseUrl() throws Exception {
        if (target != null && target.url != null) {
            return target.url;
        }
        Path file = target != null && target.config != null ? target.config : Path.of(ServerConfig.FILE_NAME);
        if (target == null && !Files.exists(file)) {
            return DEFAULT_URL;
        }
        HostPort listen = ServerConfig.load(file).statusListen();
        if (listen.port() == 0) {
            throw new CliException(ExitCodes.USAGE, file + ": status_listen has port 0 (any free port); give --url");
        }
        String host = !listen.isWildcard() ? listen.hostForUri() : listen.isIpv6() ? "[::1]" : "127.0.0.1";
        return "http://" + host + ":" + listen.port();
    }

    private static String fetch(URI uri, String base) throws CliException, InterruptedException {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build()) {
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                    .header("Accept", "application/json").GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new CliException(ExitCodes.FAILURE, uri + " answered HTTP " + response.statusCode());
            }
            return response.body();
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "no server answers at " + base
                    + " (is 'bond-server run' running, with this status_listen?)", e);
        } catch (HttpTimeoutException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, base + " did not answer within " + TIMEOUT.toSeconds()
                    + " s", e);
        } catch (IOException e) {
            throw new CliException(ExitCodes.UNAVAILABLE, "no server answers at " + base + ": " + e, e);
        }
    }

    /** The readable form: a summary line, then per session its uplinks. */
    static String render(StatusReport r) {
        StringBuilder out = new StringBuilder();
        out.append("quicbond server ").append(r.version()).append(", up ").append(TextTable.duration(r.uptimeS()))
                .append(", bond on ").append(r.listen()).append(" (").append(r.engine()).append(", ")
                .append(r.protocol()).append(")\n");
        out.append("users ").append(r.users()).append(", failed logins ").append(r.failedLogins())
                .append(", sessions ").append(r.sessions().size()).append('\n');
        for (StatusReport.Session s : r.sessions()) {
            out.append('\n').append("session ").append(shortId(s.id())).append("  user ").append(s.user())
                    .append("  flows ").append(s.tcpFlows()).append(" tcp, ").append(s.udpFlows()).append(" udp")
                    .append("  re-sent ").append(TextTable.bytes(s.reinjectedBytes())).append('\n');
            if (s.uplinks().isEmpty()) {
                out.append("  no uplink connected (the session waits for one to come back)\n");
                continue;
            }
            TextTable table = new TextTable("UPLINK", "STATE", ">RTT ms", ">LOSS %", ">DOWN", ">DOWN RATE", ">UP",
                    ">UP RATE", ">UNACKED");
            for (StatusReport.Uplink u : s.uplinks()) {
                table.row(u.name(), u.state(), String.format(Locale.ROOT, "%.1f", u.rttMs()),
                        String.format(Locale.ROOT, "%.2f", u.lossPercent()), TextTable.bytes(u.bytesSent()),
                        TextTable.rate(u.sendBytesPerS()), TextTable.bytes(u.bytesReceived()),
                        TextTable.rate(u.receiveBytesPerS()), TextTable.bytes(u.unackedBytes()));
            }
            out.append(table.render("  "));
        }
        if (!r.vless().isEmpty()) {
            TextTable table = new TextTable("VLESS LISTENER", "SOCKET", ">OPEN", ">ACCEPTED", ">REJECTED", ">DOWN",
                    ">UP");
            for (var v : r.vless()) {
                table.row(v.listen(), v.mptcp() ? "mptcp" : "tcp", String.valueOf(v.connections()),
                        String.valueOf(v.connectionsTotal()), String.valueOf(v.rejected()),
                        TextTable.bytes(v.bytesDown()), TextTable.bytes(v.bytesUp()));
            }
            out.append('\n').append(table.render(""));
        }
        if (!r.sessions().isEmpty() || !r.vless().isEmpty()) {
            out.append("\nDOWN is server to client, UP client to server.\n");
        }
        return out.toString();
    }

    private static String shortId(String id) {
        return id != null && id.length() > 12 ? id.substring(0, 12) : String.valueOf(id);
    }
}
