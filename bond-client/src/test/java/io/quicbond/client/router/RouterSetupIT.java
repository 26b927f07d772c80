package io.quicbond.client.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.rules.Cidr;
import io.quicbond.transport.Destination;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link RouterSetup} against the real nft and ip, inside a namespace of its own ({@code qbr-rs}): the state after
 * {@code down} equals the state before {@code up}, byte for byte, whatever happened in between. Root only.
 */
@Timeout(120)
class RouterSetupIT {
    private static final String NS = "qbr-rs";
    private NetnsShell shell;

    @BeforeEach
    void namespace() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root (network namespaces)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/nft")), "nft is not installed (apt-get install nftables)");
        Shell.SYSTEM.run(null, List.of("ip", "netns", "del", NS));
        assertTrue(Shell.SYSTEM.run(null, List.of("ip", "netns", "add", NS)).ok());
        shell = new NetnsShell(NS);
        shell.run(null, List.of("ip", "link", "set", "lo", "up"));
        // Something of the host's own to keep: a LAN with an address, a route in another table, another nft table.
        shell.run(null, List.of("ip", "link", "add", "qbr-lan0", "type", "dummy"));
        shell.run(null, List.of("ip", "addr", "add", "192.168.77.1/24", "dev", "qbr-lan0"));
        shell.run(null, List.of("ip", "link", "set", "qbr-lan0", "up"));
        shell.run(null, List.of("ip", "-6", "addr", "add", "fd77::1/64", "dev", "qbr-lan0", "nodad"));
        shell.run(null, List.of("ip", "route", "add", "10.9.0.0/16", "dev", "qbr-lan0", "table", "100"));
        shell.run("table inet qbrother { chain c { type filter hook input priority 0; } }\n", List.of("nft", "-f", "-"));
    }

    @AfterEach
    void removeNamespace() throws Exception {
        Shell.SYSTEM.run(null, List.of("ip", "netns", "del", NS));
    }

    private static RouterPlan plan(boolean ipv6) throws Exception {
        return RouterPlan.of(new ClientConfig.Router(4435, List.of("qbr-lan0"), List.of(Cidr.parse("203.0.113.0/24")),
                0x1151, 4433, ipv6, "qbrtest", true, new Destination("1.1.1.1", 53)),
                List.of(InetAddress.getByName("10.77.1.2")));
    }

    @Test
    void upTwiceIsUpOnceAndDownRestoresEverything() throws Exception {
        String before = shell.snapshot();
        RouterSetup setup = new RouterSetup(shell);
        setup.up(plan(true));
        String once = shell.snapshot();
        assertNotEquals(before, once);
        assertTrue(once.contains("tproxy ip6 to :4435"), once);
        assertTrue(once.contains("fwmark 0x1151 lookup 4433"), once);
        assertTrue(once.contains("local default dev lo table 4433"), once);
        setup.up(plan(true));
        assertEquals(once, shell.snapshot(), "up twice = up once");
        var installed = setup.status("qbrtest", 0x1151, 4433);
        assertTrue(installed.stream().allMatch(l -> l.endsWith("installed") || l.startsWith("nft fail-closed")),
                () -> installed + "\n" + String.join("\n", new RouterSetup(shell).log()));
        assertEquals("router mode: active", RouterSetup.summary(installed, true, false));
        setup.down("qbrtest", 0x1151, 4433);
        assertEquals(before, shell.snapshot(), "down restores exactly");
        setup.down("qbrtest", 0x1151, 4433);
        assertEquals(before, shell.snapshot(), "down twice = down once");
        assertTrue(setup.status("qbrtest", 0x1151, 4433).stream().allMatch(l -> l.endsWith("absent")));
    }

    @Test
    void afterACrashHalfwayUpAndDownStillConverge() throws Exception {
        String before = shell.snapshot();
        RouterSetup setup = new RouterSetup(shell);
        setup.up(plan(true));
        String up = shell.snapshot();
        // A crash between steps: the table is gone, a second copy of the v4 rule was added, the v6 route is missing.
        shell.run(null, List.of("nft", "delete", "table", "inet", "qbrtest"));
        shell.run(null, List.of("ip", "-4", "rule", "add", "fwmark", "0x1151", "lookup", "4433"));
        shell.run(null, List.of("ip", "-6", "route", "del", "local", "::/0", "dev", "lo", "table", "4433"));
        setup.up(plan(true));
        assertEquals(up, shell.snapshot(), "up converges");
        shell.run(null, List.of("ip", "-4", "rule", "add", "fwmark", "0x1151", "lookup", "4433"));
        setup.down("qbrtest", 0x1151, 4433);
        assertEquals(before, shell.snapshot(), "down converges");
        // An IPv4-only up after an IPv6 one leaves no IPv6 state behind.
        setup.up(plan(true));
        setup.up(plan(false));
        assertTrue(!shell.snapshot().contains("tproxy ip6"));
        setup.down("qbrtest", 0x1151, 4433);
        assertEquals(before, shell.snapshot());
    }
}
