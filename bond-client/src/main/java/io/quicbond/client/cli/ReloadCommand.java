package io.quicbond.client.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Asks a running client to re-read its config file and apply its uplinks (the same as sending it SIGHUP). */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = {"Re-read the running client's config file: uplinks added, removed or changed take effect",
                "at once without dropping flows. Other changes need a restart."})
final class ReloadCommand implements Callable<Integer> {
    @Option(names = "--url", paramLabel = "URL", description = "The client's status endpoint (default http://127.0.0.1:7071).")
    String url = "http://127.0.0.1:7071";

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String base = url.contains("://") ? url : "http://" + url;
        URI uri = URI.create(base).resolve("/reload");
        PrintWriter out = spec.commandLine().getOut();
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            out.println(r.body());
            out.flush();
            return r.statusCode() == 200 && !r.body().contains("\"error\":\"") ? ExitCodes.OK : ExitCodes.FAILURE;
        } catch (ConnectException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.UNAVAILABLE, "bond-client reload: no client answers at " + uri);
        } catch (IOException e) {
            throw new ExitCodes.CommandFailure(ExitCodes.UNAVAILABLE, "bond-client reload: " + uri + ": " + e.getMessage());
        }
    }
}
