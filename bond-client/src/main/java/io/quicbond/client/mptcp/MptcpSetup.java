package io.quicbond.client.mptcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quicbond.client.config.ClientConfig;
import io.quicbond.transport.net.IpLiterals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the kernel needs for MPTCP over the configured uplinks, as BSBF's {@code bsbf-mptcp} sets it by hand: limits
 * ({@code ip mptcp limits set subflow N add_addr_accepted N}, N = the number of uplinks, at most 8) and one subflow
 * endpoint per uplink with an interface ({@code ip mptcp endpoint add ADDRESS dev IFACE subflow [backup]}; the
 * address is the uplink's {@code bind_address}, else the interface's first IPv4 address; a non-primary uplink is a
 * backup endpoint). {@link #apply} records the previous limits and exactly the endpoints it added in a state file;
 * {@link #remove} deletes those endpoints and restores the limits, and nothing else.
 *
 * <p>Every change goes through {@code ip} (iproute2), run by a {@link Runner}, optionally in a network namespace.
 * Not thread-safe; one command at a time.
 */
public final class MptcpSetup {

    /** The kernel's MPTCP_PM_ADDR_MAX: the most endpoints and extra subflows it allows. */
    public static final int MAX = 8;
    /** Where {@code apply} records what it changed, unless told otherwise. */
    public static final Path DEFAULT_STATE = Path.of("/run/quicbond/mptcp-state.json");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LIMITS = Pattern.compile("add_addr_accepted (\\d+) subflows (\\d+)");

    /** Runs a command, returns its exit code and output (stdout and stderr together). */
    @FunctionalInterface
    public interface Runner {
        Result run(List<String> command) throws IOException;

        record Result(int exitCode, String output) {
        }

        /** Runs {@code ip} on this machine, or in network namespace {@code netns} when it is not null. */
        static Runner ip(String netns) {
            return command -> {
                List<String> full = new ArrayList<>();
                if (netns != null && command.getFirst().equals("ip")) {
                    full.addAll(List.of("ip", "-n", netns));
                    full.addAll(command.subList(1, command.size()));
                } else {
                    full.addAll(command);
                }
                Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes());
                try {
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                        throw new IOException(String.join(" ", full) + ": did not finish");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                return new Result(p.exitValue(), out);
            };
        }
    }

    /** One subflow endpoint. */
    public record Endpoint(String address, String device, boolean backup) {
        List<String> addCommand() {
            List<String> c = new ArrayList<>(List.of("ip", "mptcp", "endpoint", "add", address, "dev", device,
                    "subflow"));
            if (backup) {
                c.add("backup");
            }
            return c;
        }
    }

    /**
     * What the uplinks need.
     *
     * @param warnings uplinks left out, and why (no interface, or an interface without an IPv4 address)
     */
    public record Plan(int subflows, int addAddrAccepted, List<Endpoint> endpoints, List<String> warnings) {
        /** The commands {@link #apply} runs, as text. */
        public List<String> commands() {
            List<String> out = new ArrayList<>();
            out.add("ip mptcp limits set subflow " + subflows + " add_addr_accepted " + addAddrAccepted);
            endpoints.forEach(e -> out.add(String.join(" ", e.addCommand())));
            return out;
        }
    }

    private final Runner runner;
    private final Path stateFile;

    public MptcpSetup(Runner runner, Path stateFile) {
        this.runner = Objects.requireNonNull(runner, "runner");
        this.stateFile = Objects.requireNonNull(stateFile, "stateFile");
    }

    /** The plan for a config's uplinks (looks up interface addresses with {@code ip -j addr}). */
    public Plan plan(ClientConfig config) throws IOException {
        List<Endpoint> endpoints = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (ClientConfig.Uplink u : config.uplinks()) {
            if (u.bindInterface() == null) {
                warnings.add("uplink " + u.name() + ": no \"interface\", so no endpoint (MPTCP endpoints need a device)");
                continue;
            }
            String address = u.bindAddress() != null ? IpLiterals.format(u.bindAddress()) : interfaceAddress(u.bindInterface());
            if (address == null) {
                warnings.add("uplink " + u.name() + ": interface " + u.bindInterface()
                        + " has no IPv4 address now; no endpoint");
                continue;
            }
            endpoints.add(new Endpoint(address, u.bindInterface(), !u.primary()));
        }
        int n = Math.min(MAX, Math.max(1, config.uplinks().size()));
        return new Plan(n, n, List.copyOf(endpoints), List.copyOf(warnings));
    }

    private String interfaceAddress(String device) throws IOException {
        Runner.Result r = runner.run(List.of("ip", "-j", "-4", "addr", "show", "dev", device));
        if (r.exitCode() != 0) {
            return null;
        }
        for (JsonNode link : JSON.readTree(r.output())) {
            for (JsonNode a : link.path("addr_info")) {
                if ("inet".equals(a.path("family").asText()) && a.hasNonNull("local")) {
                    return a.get("local").asText();
                }
            }
        }
        return null;
    }

    /** The kernel's current limits and endpoints, as {@code ip} prints them. */
    public String show() throws IOException {
        return check(runner.run(List.of("ip", "mptcp", "limits", "show")), "ip mptcp limits show").output()
                + check(runner.run(List.of("ip", "mptcp", "endpoint", "show")), "ip mptcp endpoint show").output();
    }

    /**
     * Sets the limits and adds the endpoints that are not there yet; records what it changed.
     *
     * @return the commands run
     * @throws IOException if an {@code ip} command fails (what was added before stays recorded) or a previous
     *                     {@code apply} was not removed
     */
    public List<String> apply(Plan plan) throws IOException {
        if (Files.exists(stateFile)) {
            throw new IOException(stateFile + " exists: a previous apply was not removed (run `mptcp remove` first)");
        }
        List<String> ran = new ArrayList<>();
        Matcher m = LIMITS.matcher(check(runner.run(List.of("ip", "mptcp", "limits", "show")), "ip mptcp limits").output());
        if (!m.find()) {
            throw new IOException("cannot read the kernel's MPTCP limits");
        }
        ObjectNode state = JSON.createObjectNode();
        state.putObject("previous_limits").put("add_addr_accepted", Integer.parseInt(m.group(1)))
                .put("subflows", Integer.parseInt(m.group(2)));
        ArrayNode added = state.putArray("added_endpoints");
        Files.createDirectories(stateFile.toAbsolutePath().getParent());
        List<String> limits = List.of("ip", "mptcp", "limits", "set", "subflow", String.valueOf(plan.subflows()),
                "add_addr_accepted", String.valueOf(plan.addAddrAccepted()));
        check(runner.run(limits), String.join(" ", limits));
        ran.add(String.join(" ", limits));
        List<Endpoint> existing = endpoints();
        try {
            for (Endpoint e : plan.endpoints()) {
                if (existing.stream().anyMatch(x -> x.address().equals(e.address()))) {
                    continue; // someone else's: left alone, and not removed later
                }
                check(runner.run(e.addCommand()), String.join(" ", e.addCommand()));
                ran.add(String.join(" ", e.addCommand()));
                added.addObject().put("address", e.address()).put("dev", e.device());
            }
        } finally {
            JSON.writerWithDefaultPrettyPrinter().writeValue(stateFile.toFile(), state);
        }
        return ran;
    }

    /**
     * Deletes the endpoints {@link #apply} added and restores the limits it found; without a state file, does
     * nothing.
     *
     * @return the commands run
     */
    public List<String> remove() throws IOException {
        if (!Files.exists(stateFile)) {
            return List.of();
        }
        JsonNode state = JSON.readTree(stateFile.toFile());
        List<String> ran = new ArrayList<>();
        List<EndpointWithId> current = endpointsWithIds();
        for (JsonNode a : state.path("added_endpoints")) {
            for (EndpointWithId e : current) {
                if (e.address().equals(a.path("address").asText())) {
                    List<String> delete = List.of("ip", "mptcp", "endpoint", "delete", "id", String.valueOf(e.id()));
                    check(runner.run(delete), String.join(" ", delete));
                    ran.add(String.join(" ", delete) + "   # " + e.address());
                }
            }
        }
        JsonNode previous = state.path("previous_limits");
        List<String> limits = List.of("ip", "mptcp", "limits", "set", "subflow", previous.path("subflows").asText("2"),
                "add_addr_accepted", previous.path("add_addr_accepted").asText("0"));
        check(runner.run(limits), String.join(" ", limits));
        ran.add(String.join(" ", limits));
        Files.delete(stateFile);
        return ran;
    }

    private record EndpointWithId(String address, int id) {
    }

    private List<Endpoint> endpoints() throws IOException {
        List<Endpoint> out = new ArrayList<>();
        for (JsonNode e : readEndpoints()) {
            out.add(new Endpoint(e.path("address").asText(), e.path("dev").asText(null), e.path("backup").asBoolean()));
        }
        return out;
    }

    private List<EndpointWithId> endpointsWithIds() throws IOException {
        List<EndpointWithId> out = new ArrayList<>();
        for (JsonNode e : readEndpoints()) {
            out.add(new EndpointWithId(e.path("address").asText(), e.path("id").asInt()));
        }
        return out;
    }

    private JsonNode readEndpoints() throws IOException {
        Runner.Result r = check(runner.run(List.of("ip", "-j", "mptcp", "endpoint", "show")), "ip -j mptcp endpoint show");
        String text = r.output().isBlank() ? "[]" : r.output();
        return JSON.readTree(text);
    }

    private static Runner.Result check(Runner.Result r, String what) throws IOException {
        if (r.exitCode() != 0) {
            throw new IOException(what + ": exit " + r.exitCode() + ": " + r.output().strip());
        }
        return r;
    }
}
