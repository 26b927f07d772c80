package io.quicbond.client.router;

import io.quicbond.client.config.ClientConfig;
import io.quicbond.client.config.HostPort;
import io.quicbond.client.rules.Cidr;
import io.quicbond.transport.net.IpLiterals;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@code router up} installs, decided from the config once: the nftables table and the policy-routing rule
 * and route. Immutable; any thread.
 *
 * @param bypass4 IPv4 networks that never enter the bond: the built-in ones, the servers' addresses, configured ones
 * @param bypass6 the same for IPv6
 */
public record RouterPlan(ClientConfig.Router router, List<String> bypass4, List<String> bypass6) {

    /** Private, CGNAT, loopback, link-local, multicast, "this network", reserved and broadcast. */
    public static final List<String> BUILT_IN_BYPASS_V4 = List.of("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10",
            "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4", "240.0.0.0/4");
    /** Unspecified and loopback, ULA (private), link-local, multicast. */
    public static final List<String> BUILT_IN_BYPASS_V6 = List.of("::/127", "fc00::/7", "fe80::/10", "ff00::/8");

    public RouterPlan {
        bypass4 = List.copyOf(bypass4);
        bypass6 = List.copyOf(bypass6);
    }

    /**
     * The plan for {@code config}, whose {@code router} section must be present. Server names are resolved here
     * (every address of each), so that the bond's own traffic to a server is never diverted.
     *
     * @throws UnknownHostException when a server name does not resolve
     */
    public static RouterPlan of(ClientConfig config) throws UnknownHostException {
        if (config.router() == null) {
            throw new IllegalArgumentException("the config has no \"router\" section");
        }
        Set<InetAddress> servers = new LinkedHashSet<>();
        Set<HostPort> endpoints = new LinkedHashSet<>();
        endpoints.add(config.server().address());
        config.uplinks().forEach(u -> endpoints.add(config.serverFor(u)));
        for (HostPort hp : endpoints) {
            servers.addAll(List.of(InetAddress.getAllByName(hp.host())));
        }
        return of(config.router(), List.copyOf(servers));
    }

    /** The plan with the servers' addresses given (for tests). */
    public static RouterPlan of(ClientConfig.Router router, List<InetAddress> servers) {
        Set<String> v4 = new LinkedHashSet<>(BUILT_IN_BYPASS_V4);
        Set<String> v6 = new LinkedHashSet<>(BUILT_IN_BYPASS_V6);
        for (InetAddress a : servers) {
            (a instanceof Inet4Address ? v4 : v6).add(IpLiterals.format(a).replaceAll("%.*", ""));
        }
        for (Cidr c : router.bypass()) {
            (c.isIpv4() ? v4 : v6).add(c.toString());
        }
        return new RouterPlan(router, new ArrayList<>(v4), new ArrayList<>(v6));
    }

    /** The mark as nft and ip write it. */
    public String mark() {
        return "0x" + Long.toHexString(router.fwmark());
    }
}
