package io.quicbond.client.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The commands router up and down run, against a fake shell (no root needed). */
class RouterSetupTest {
    /** Records every command; "rule del" succeeds {@code ruleCopies} times, then fails as ip does. */
    static final class RecordingShell implements Shell {
        final List<String> commands = new ArrayList<>();
        int ruleCopies;
        boolean nftFails;

        @Override
        public Result run(String stdin, List<String> command) {
            String line = String.join(" ", command);
            commands.add(line);
            if (line.contains("rule del")) {
                return ruleCopies-- > 0 ? new Result(0, "", "") : new Result(2, "", "RTNETLINK answers: No such file");
            }
            if (line.startsWith("nft -f") && nftFails) {
                return new Result(1, "", "Error: Could not process rule: No such file or directory");
            }
            return new Result(0, "", "");
        }
    }

    @Test
    void upReplacesTheTableThenDeletesEveryRuleCopyBeforeAddingOne() throws Exception {
        var shell = new RecordingShell();
        shell.ruleCopies = 2;
        new RouterSetup(shell).up(RouterPlan.of(NftScriptTest.router(true, true), List.of()));
        assertEquals(List.of(
                "nft -f -",
                "ip -4 rule del fwmark 0x1151 lookup 4433",
                "ip -4 rule del fwmark 0x1151 lookup 4433",
                "ip -4 rule del fwmark 0x1151 lookup 4433",
                "ip -4 route del local 0.0.0.0/0 dev lo table 4433",
                "ip -4 rule add fwmark 0x1151 lookup 4433",
                "ip -4 route replace local 0.0.0.0/0 dev lo table 4433",
                "ip -6 rule del fwmark 0x1151 lookup 4433",
                "ip -6 route del local ::/0 dev lo table 4433",
                "ip -6 rule add fwmark 0x1151 lookup 4433",
                "ip -6 route replace local ::/0 dev lo table 4433"), shell.commands);
    }

    @Test
    void ipv4OnlyUpStillRemovesIpv6Leftovers() throws Exception {
        var shell = new RecordingShell();
        new RouterSetup(shell).up(RouterPlan.of(NftScriptTest.router(false, true), List.of()));
        assertTrue(shell.commands.contains("ip -6 rule del fwmark 0x1151 lookup 4433"));
        assertTrue(shell.commands.stream().noneMatch(c -> c.startsWith("ip -6 rule add")));
    }

    @Test
    void nftRefusingTheScriptIsAClearError() {
        var shell = new RecordingShell();
        shell.nftFails = true;
        var e = assertThrows(RouterSetupException.class,
                () -> new RouterSetup(shell).up(RouterPlan.of(NftScriptTest.router(true, true), List.of())));
        assertTrue(e.getMessage().contains("nft -f"), e.getMessage());
        assertTrue(e.getMessage().contains("Could not process rule"), e.getMessage());
    }

    @Test
    void downRemovesTheTableOnlyWhenPresentAndBothFamiliesRules() throws Exception {
        var shell = new RecordingShell();
        new RouterSetup(shell).down("qbrtest", 0x1151, 4433);
        assertEquals(List.of(
                "nft list table inet qbrtest",
                "nft -f -",
                "ip -4 rule del fwmark 0x1151 lookup 4433",
                "ip -4 route del local 0.0.0.0/0 dev lo table 4433",
                "ip -6 rule del fwmark 0x1151 lookup 4433",
                "ip -6 route del local ::/0 dev lo table 4433"), shell.commands);
    }

    @Test
    void downKeepingFailClosedReplacesTheTableWithTheDropAndRemovesTheRules() throws Exception {
        var shell = new RecordingShell();
        new RouterSetup(shell).downKeepingFailClosed(RouterPlan.of(NftScriptTest.failClosed(true), List.of()));
        assertEquals(List.of(
                "nft -f -",
                "ip -4 rule del fwmark 0x1151 lookup 4433",
                "ip -4 route del local 0.0.0.0/0 dev lo table 4433",
                "ip -6 rule del fwmark 0x1151 lookup 4433",
                "ip -6 route del local ::/0 dev lo table 4433"), shell.commands);
        var plain = new RecordingShell();
        new RouterSetup(plain).downKeepingFailClosed(RouterPlan.of(NftScriptTest.router(true, true), List.of()));
        assertEquals("nft list table inet qbrtest", plain.commands.getFirst(), "without fail_closed: a plain down");
    }

    @Test
    void theSummarySaysActiveInactivePartialOrFailClosed() {
        List<String> all = List.of("nft table inet q: installed", "nft TPROXY diversion (chain prerouting): installed",
                "nft fail-closed drop (chain fail_closed): absent",
                "IPv4 rule fwmark 0x1151 lookup 4433: installed", "IPv4 route local default dev lo table 4433: installed",
                "IPv6 rule fwmark 0x1151 lookup 4433: absent", "IPv6 route local default dev lo table 4433: absent");
        assertEquals("router mode: active", RouterSetup.summary(all, false, false));
        assertEquals("router mode: partial, missing IPv6 rule fwmark 0x1151 lookup 4433; IPv6 route local default dev lo"
                + " table 4433 (run 'router up', or 'router down')", RouterSetup.summary(all, true, false));
        assertTrue(RouterSetup.summary(all, false, true).contains("missing nft fail-closed drop"));
        assertEquals("router mode: inactive", RouterSetup.summary(List.of("nft table inet q: absent",
                "IPv4 rule fwmark 0x1151 lookup 4433: absent"), true, false));
        assertTrue(RouterSetup.summary(List.of("nft table inet q: installed",
                "nft TPROXY diversion (chain prerouting): absent", "nft fail-closed drop (chain fail_closed): installed",
                "IPv4 rule fwmark 0x1151 lookup 4433: absent"), true, true).startsWith("router mode: fail-closed"));
    }
}
