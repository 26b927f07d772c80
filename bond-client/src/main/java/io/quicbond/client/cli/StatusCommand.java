package io.quicbond.client.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.HostPort;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bond-client status}: asks a running client's status endpoint and prints a table, or the raw JSON. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a running client's uplinks (state, RTT, loss, bytes and rate each way, unacked bytes), "
                + "flows and session, from its status endpoint (default " + StatusCommand.DEFAULT_URL + ").")
final class StatusCommand implements Callable<Integer> {
    static final String DEFAULT_URL = "http://127.0.0.1:7071/status";
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    static final class Target {
        @Option(names = "--config", paramLabel = "FILE", description = "Ask at this config's status_listen.")
        Path config;

        @Option(names = "--url", paramLabel = "URL", description = "Ask here (default " + DEFAULT_URL + ").")
        String url;
    }

    @ArgGroup(exclusive = true)
    Target target;

    @Option(names = "--json", description = "Print the status JSON as the client sent it.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        URI uri = uri();
        String body = fetch(uri);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.print(body.endsWith("\n") ? body : body + "\n");
            out.flush();
            return ExitCodes.OK;
        }
        JsonNode doc;
        try {
            doc = JsonMapper.builder().build().readTree(body);
        } catch (IOException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client status: " + uri
                    + " did not answer with status JSON");
        }
        if (doc == null || !doc.has("session")) {
            throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client status: " + uri
                    + " did not answer with a bond-client status");
        }
        out.print(StatusTable.render(doc));
        out.flush();
        return ExitCodes.OK;
    }

    private URI uri() throws Exception {
        if (target != null && target.config != null) {
            ClientConfig config = ClientConfig.load(target.config);
            if (config.statusListen().getPort() == 0) {
                throw new ExitCodes.CommandFailure(ExitCodes.USAGE, "bond-client status: " + target.config
                        + " has status_listen on port 0 (a free port picked at start); use --url");
            }
            return URI.create("http://" + HostPort.format(config.statusListen()) + "/status");
        }
        String text = target != null && target.url != null ? target.url : DEFAULT_URL;
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.USAGE, "bond-client status: not a URL: " + text);
        }
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new ExitCodes.CommandFailure(ExitCodes.USAGE, "bond-client status: expected http://HOST:PORT[/status], got " + text);
        }
        if (uri.getPath() == null || uri.getPath().isEmpty() || "/".equals(uri.getPath())) {
            uri = uri.resolve("/status");
        }
        return uri;
    }

    private static String fetch(URI uri) throws Exception {
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (response.statusCode() != 200) {
                throw new ExitCodes.CommandFailure(ExitCodes.FAILURE, "bond-client status: " + uri + " answered HTTP "
                        + response.statusCode());
            }
            return response.body();
        } catch (ConnectException | HttpTimeoutException e) {
            throw notRunning(uri, e instanceof ConnectException ? "connection refused" : "timed out");
        } catch (IOException e) {
            throw notRunning(uri, e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName());
        }
    }

    private static ExitCodes.CommandFailure notRunning(URI uri, String why) {
        return new ExitCodes.CommandFailure(ExitCodes.UNAVAILABLE, "bond-client status: nothing answers at " + uri
                + " (" + why + "). Is bond-client running? Its status endpoint is status_listen in client.json"
                + " (default 127.0.0.1:7071).");
    }
}
