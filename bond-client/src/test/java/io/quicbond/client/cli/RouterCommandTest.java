package io.quicbond.client.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quicbond.client.config.ConfigFixtures;
import io.quicbond.client.router.Shell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bond-client router ...} as a user types it, with a recording shell instead of nft and ip. */
class RouterCommandTest {
    private final List<String> commands = new CopyOnWriteArrayList<>();

    @AfterEach
    void realShellAgain() {
        RouterCommand.shell = Shell.SYSTEM;
    }

    private Path config(Path dir, String router) throws Exception {
        String json = ConfigFixtures.minimal().replace("bond.example.net:443", "203.0.113.7:443");
        if (router != null) {
            json = json.replaceFirst("\\{", "{ \"router\": " + router + ",");
        }
        Path file = dir.resolve("client.json");
        Files.writeString(file, json);
        RouterCommand.shell = (stdin, command) -> {
            commands.add(String.join(" ", command) + (stdin == null ? "" : " <<" + stdin.lines().count() + " lines"));
            return command.contains("del") ? new Shell.Result(2, "", "no such rule") : new Shell.Result(0, "", "");
        };
        return file;
    }

    @Test
    void upPrintShowsTheScriptWithTheServerBypassedAndChangesNothing(@TempDir Path dir) throws Exception {
        Path file = config(dir, "{\"lan_interfaces\": [\"lan0\"]}");
        var r = BondClientCommandTest.run("router", "up", "--print", "--config", file.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("table inet quicbond {"), r.out());
        assertTrue(r.out().contains("203.0.113.7"), "the server bypasses the bond: " + r.out());
        assertTrue(r.out().contains("iifname != { \"lan0\" } return"), r.out());
        assertEquals(List.of(), commands);
    }

    @Test
    void upAppliesTheScriptAndTheRulesThenDownRemovesThem(@TempDir Path dir) throws Exception {
        Path file = config(dir, "{}");
        var up = BondClientCommandTest.run("router", "up", "--config", file.toString());
        assertEquals(0, up.code(), up.err());
        assertTrue(up.out().startsWith("router up: LAN interfaces [br-lan] -> TPROXY port 4435"), up.out());
        assertTrue(commands.getFirst().startsWith("nft -f - <<"), commands.toString());
        assertTrue(commands.contains("ip -6 rule add fwmark 0x1151 lookup 4433"), commands.toString());
        commands.clear();
        var down = BondClientCommandTest.run("router", "down", "--config", file.toString());
        assertEquals(0, down.code(), down.err());
        assertTrue(commands.contains("nft list table inet quicbond"), commands.toString());
        assertTrue(commands.contains("ip -4 rule del fwmark 0x1151 lookup 4433"), commands.toString());
    }

    @Test
    void aConfigWithoutRouterSectionIsAConfigError(@TempDir Path dir) throws Exception {
        Path file = config(dir, null);
        for (String sub : List.of("up", "down", "status")) {
            var r = BondClientCommandTest.run("router", sub, "--config", file.toString());
            assertEquals(ExitCodes.CONFIG, r.code(), sub);
            assertTrue(r.err().contains("no \"router\" section"), r.err());
        }
        assertEquals(List.of(), commands);
    }

    @Test
    void downKeepingFailClosedLeavesTheDropAndPlainDownRemovesIt(@TempDir Path dir) throws Exception {
        Path file = config(dir, "{\"fail_closed\": true}");
        var kept = BondClientCommandTest.run("router", "down", "--keep-fail-closed", "--config", file.toString());
        assertEquals(0, kept.code(), kept.err());
        assertTrue(kept.out().startsWith("router down: diversion removed; fail-closed drop kept"), kept.out());
        assertTrue(commands.getFirst().startsWith("nft -f - <<"), commands.toString());
        assertTrue(commands.contains("ip -4 rule del fwmark 0x1151 lookup 4433"), commands.toString());
        commands.clear();
        var plain = BondClientCommandTest.run("router", "down", "--config", file.toString());
        assertEquals(0, plain.code(), plain.err());
        assertEquals("nft list table inet quicbond", commands.getFirst());
    }

    @Test
    void statusGivesAVerdictFirstAndTheClientsIngressLastAndFailsWhenNotActive(@TempDir Path dir) throws Exception {
        Path file = config(dir, "{}");
        var r = BondClientCommandTest.run("router", "status", "--config", file.toString());
        // The recording shell lists an empty table: no diversion chain, so router mode is not active.
        assertEquals(ExitCodes.FAILURE, r.code(), r.out() + r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.getFirst().startsWith("router mode: partial, missing nft TPROXY diversion"), r.out());
        assertTrue(lines.getLast().startsWith("client transparent ingress: "), r.out());
    }
}
