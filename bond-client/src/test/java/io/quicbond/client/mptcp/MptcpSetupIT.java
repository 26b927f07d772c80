package io.quicbond.client.mptcp;

import io.quicbond.client.cli.BondClientCommand;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bond-client mptcp show|apply|remove} against a real kernel, in network namespace {@code qbv-m} with two veth
 * "uplinks" and one endpoint that was there before (someone else's): apply sets the limits and adds one endpoint per
 * uplink (the backup flag for a non-primary one), remove deletes exactly those and restores the limits. Root only.
 */
@Timeout(60)
class MptcpSetupIT {
    private static final String NS = "qbv-m";

    @TempDir
    Path dir;

    @BeforeEach
    void namespace() throws Exception {
        assumeTrue("0".equals(run("id", "-u").strip()), "needs root (network namespaces)");
        run("ip", "netns", "del", NS);
        sh("ip netns add " + NS);
        sh("ip -n " + NS + " link add qbv-w1 type veth peer name qbv-p1");
        sh("ip -n " + NS + " link add qbv-w2 type veth peer name qbv-p2");
        sh("ip -n " + NS + " link add qbv-w3 type veth peer name qbv-p3");
        sh("ip -n " + NS + " addr add 10.202.1.1/24 dev qbv-w1");
        sh("ip -n " + NS + " addr add 10.202.2.1/24 dev qbv-w2");
        sh("ip -n " + NS + " addr add 10.202.3.1/24 dev qbv-w3");
        sh("ip -n " + NS + " mptcp limits set subflow 1 add_addr_accepted 0");
        sh("ip -n " + NS + " mptcp endpoint add 10.202.3.1 dev qbv-w3 signal");
    }

    @AfterEach
    void cleanUp() throws Exception {
        run("ip", "netns", "del", NS);
    }

    @Test
    void applyAddsOneEndpointPerUplinkAndRemoveTakesExactlyThoseAway() throws Exception {
        Path config = dir.resolve("client.json");
        Files.writeString(config, """
                {"transport": {"type": "vless", "server": "192.0.2.1:16384",
                               "uuid": "b831381d-6324-4d53-ad4f-8cda48b30811"},
                 "uplinks": [{"name": "lte", "interface": "qbv-w1"},
                             {"name": "sat", "interface": "qbv-w2", "primary": false},
                             {"name": "other", "bind_address": "10.202.3.1", "interface": "qbv-w3"}],
                 "socks5": {}}""");
        Path state = dir.resolve("state.json");

        String show = cli("mptcp", "show", "--config", config.toString(), "--state", state.toString(), "--netns", NS);
        assertTrue(show.contains("ip mptcp limits set subflow 3 add_addr_accepted 3"), show);
        assertTrue(show.contains("ip mptcp endpoint add 10.202.1.1 dev qbv-w1 subflow\n"), show);
        assertTrue(show.contains("ip mptcp endpoint add 10.202.2.1 dev qbv-w2 subflow backup"), show);

        String applied = cli("mptcp", "apply", "--config", config.toString(), "--state", state.toString(), "--netns", NS);
        assertFalse(applied.contains("10.202.3.1"), "an existing endpoint is left alone: " + applied);
        String endpoints = run("ip", "-n", NS, "mptcp", "endpoint", "show");
        assertTrue(endpoints.contains("10.202.1.1 id") && endpoints.contains("subflow dev qbv-w1"), endpoints);
        assertTrue(endpoints.contains("10.202.2.1 id") && endpoints.contains("subflow backup dev qbv-w2"), endpoints);
        assertTrue(run("ip", "-n", NS, "mptcp", "limits").contains("add_addr_accepted 3 subflows 3"));
        assertTrue(Files.exists(state));

        cli("mptcp", "remove", "--state", state.toString(), "--netns", NS);
        endpoints = run("ip", "-n", NS, "mptcp", "endpoint", "show");
        assertFalse(endpoints.contains("10.202.1.1") || endpoints.contains("10.202.2.1"), endpoints);
        assertTrue(endpoints.contains("10.202.3.1"), "someone else's endpoint stays: " + endpoints);
        assertTrue(run("ip", "-n", NS, "mptcp", "limits").contains("add_addr_accepted 0 subflows 1"));
        assertFalse(Files.exists(state));
        assertEquals("", cli("mptcp", "remove", "--state", state.toString(), "--netns", NS), "remove twice: nothing");
    }

    private static String cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BondClientCommand.run(new PrintWriter(out), new PrintWriter(err), args);
        assertEquals(0, code, String.join(" ", args) + ": " + err);
        return out.toString();
    }

    private static void sh(String command) throws Exception {
        Process p = new ProcessBuilder(List.of(command.split(" "))).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), command + ": " + output);
    }

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor(30, TimeUnit.SECONDS);
        return output;
    }
}
