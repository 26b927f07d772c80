package io.quicbond.server.egress;

import io.quicbond.transport.net.IpLiterals;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which resolved addresses and ports the server may connect to for its users. A bonding server must not become a
 * door into its own network, so it denies by default everything that is not the public internet:
 *
 * <ul>
 *   <li>IPv4: 0.0.0.0/8 (unspecified, "this network"), 127.0.0.0/8 (loopback), 10.0.0.0/8, 172.16.0.0/12,
 *       192.168.0.0/16 (private), 100.64.0.0/10 (carrier-grade NAT), 169.254.0.0/16 (link-local),
 *       198.18.0.0/15 (benchmarking; also used by fake-IP DNS), 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved)
 *       and 255.255.255.255 (broadcast);</li>
 *   <li>IPv6: :: (unspecified), ::1 (loopback), ::/96 (IPv4-compatible, deprecated), 100::/64 (discard),
 *       64:ff9b:1::/48 (local-use NAT64), 2001:db8::/32 (documentation), fc00::/7 (unique local), fe80::/10
 *       (link-local), fec0::/10 (site-local, deprecated), ff00::/8 (multicast);</li>
 *   <li>cloud metadata services, as their own rules so that allowing a range around them does not open them:
 *       169.254.169.254 (AWS, GCP, Azure, OpenStack...), 169.254.170.2 (AWS ECS), 100.100.100.200 (Alibaba),
 *       168.63.129.16 (Azure wire server), fd00:ec2::254 (AWS over IPv6).</li>
 * </ul>
 *
 * <p>IPv4 inside IPv6 is judged as the IPv4 address it reaches: an IPv4-mapped address (::ffff:127.0.0.1) is
 * checked as 127.0.0.1, and a NAT64 (64:ff9b::/96) or 6to4 (2002::/16) address is denied when the IPv4 address it
 * embeds is.
 *
 * <p>Configuration: {@code allow} CIDRs override a built-in rule when they are at least as specific (longest
 * prefix wins, as in routing: allowing 10.0.0.0/8 opens all of it, allowing 0.0.0.0/0 opens nothing that a
 * built-in rule closes, allowing 169.254.0.0/16 leaves 169.254.169.254/32 closed); {@code deny} CIDRs and
 * {@code denyPorts} always win. All three default to empty.
 *
 * <p>The policy judges resolved addresses, never names, so a name that resolves to a denied address is denied
 * (DNS rebinding). Immutable and thread-safe.
 */
public final class EgressPolicy {

    /** Why an address is or is not allowed. {@code rule} names the deciding rule, for logs and error messages. */
    public record Decision(boolean allowed, String rule) {
        public Decision {
            Objects.requireNonNull(rule, "rule");
        }
    }

    private record Rule(String name, Cidr cidr) {
        static Rule of(String name, String cidr) {
            return new Rule(name, Cidr.parse(cidr));
        }

        String describe() {
            return name + " " + cidr;
        }
    }

    private static final List<Rule> BUILT_IN = List.of(
            Rule.of("unspecified", "0.0.0.0/8"),
            Rule.of("loopback", "127.0.0.0/8"),
            Rule.of("private", "10.0.0.0/8"),
            Rule.of("private", "172.16.0.0/12"),
            Rule.of("private", "192.168.0.0/16"),
            Rule.of("carrier-grade NAT", "100.64.0.0/10"),
            Rule.of("link-local", "169.254.0.0/16"),
            Rule.of("benchmarking", "198.18.0.0/15"),
            Rule.of("multicast", "224.0.0.0/4"),
            Rule.of("reserved", "240.0.0.0/4"),
            Rule.of("broadcast", "255.255.255.255/32"),
            Rule.of("cloud metadata", "169.254.169.254/32"),
            Rule.of("cloud metadata", "169.254.170.2/32"),
            Rule.of("cloud metadata", "100.100.100.200/32"),
            Rule.of("cloud metadata", "168.63.129.16/32"),
            Rule.of("unspecified", "::/128"),
            Rule.of("loopback", "::1/128"),
            Rule.of("IPv4-compatible", "::/96"),
            Rule.of("discard", "100::/64"),
            Rule.of("local-use NAT64", "64:ff9b:1::/48"),
            Rule.of("documentation", "2001:db8::/32"),
            Rule.of("unique local", "fc00::/7"),
            Rule.of("link-local", "fe80::/10"),
            Rule.of("site-local", "fec0::/10"),
            Rule.of("multicast", "ff00::/8"),
            Rule.of("cloud metadata", "fd00:ec2::254/128"));

    private static final Cidr NAT64 = Cidr.parse("64:ff9b::/96");
    private static final Cidr SIX_TO_FOUR = Cidr.parse("2002::/16");

    private static final EgressPolicy DEFAULTS = new EgressPolicy(List.of(), List.of(), List.of());

    private final List<Cidr> allow;
    private final List<Cidr> deny;
    private final Set<Integer> denyPorts;

    /**
     * @param allow     networks to open despite a built-in rule (when at least as specific)
     * @param deny      networks to close in addition to the built-in rules; they win over {@code allow}
     * @param denyPorts destination ports to refuse whatever the address, e.g. 25 against spam; each 1..65535
     * @throws IllegalArgumentException if a port is out of range
     */
    public EgressPolicy(Collection<Cidr> allow, Collection<Cidr> deny, Collection<Integer> denyPorts) {
        this.allow = List.copyOf(allow);
        this.deny = List.copyOf(deny);
        for (Integer port : denyPorts) {
            if (port == null || port < 1 || port > 65535) {
                throw new IllegalArgumentException("deny_ports entries must be 1..65535, got " + port);
            }
        }
        this.denyPorts = Collections.unmodifiableSet(new TreeSet<>(denyPorts));
    }

    /** The built-in rules only: no allow, deny or port rules. */
    public static EgressPolicy defaults() {
        return DEFAULTS;
    }

    /**
     * Builds a policy from configuration text.
     *
     * @throws IllegalArgumentException naming the first bad CIDR or port
     */
    public static EgressPolicy parse(Collection<String> allow, Collection<String> deny, Collection<Integer> denyPorts) {
        return new EgressPolicy(parseAll(allow, "allow"), parseAll(deny, "deny"), denyPorts);
    }

    public List<Cidr> allow() {
        return allow;
    }

    public List<Cidr> deny() {
        return deny;
    }

    public Set<Integer> denyPorts() {
        return denyPorts;
    }

    /** Whether the server may connect to {@code address} on {@code port}, and by which rule. */
    public Decision check(InetAddress address, int port) {
        Objects.requireNonNull(address, "address");
        if (denyPorts.contains(port)) {
            return new Decision(false, "deny_ports " + port);
        }
        InetAddress target = IpLiterals.unmap(address);
        Decision decision = checkAddress(target.getAddress());
        if (!decision.allowed() || !(target instanceof Inet6Address)) {
            return decision;
        }
        byte[] embedded = embeddedIpv4(target.getAddress());
        if (embedded != null) {
            Decision inner = checkAddress(embedded);
            if (!inner.allowed()) {
                return new Decision(false, "embedded IPv4 " + IpLiterals.format(embedded) + ": " + inner.rule());
            }
        }
        return decision;
    }

    private Decision checkAddress(byte[] address) {
        for (Cidr cidr : deny) {
            if (cidr.containsBytes(address)) {
                return new Decision(false, "deny " + cidr);
            }
        }
        Rule builtIn = null;
        for (Rule rule : BUILT_IN) {
            if (rule.cidr().containsBytes(address)
                    && (builtIn == null || rule.cidr().prefixLength() > builtIn.cidr().prefixLength())) {
                builtIn = rule;
            }
        }
        Cidr allowed = null;
        for (Cidr cidr : allow) {
            if (cidr.containsBytes(address) && (allowed == null || cidr.prefixLength() > allowed.prefixLength())) {
                allowed = cidr;
            }
        }
        if (builtIn == null) {
            return new Decision(true, allowed == null ? "public address" : "allow " + allowed);
        }
        if (allowed != null && allowed.prefixLength() >= builtIn.cidr().prefixLength()) {
            return new Decision(true, "allow " + allowed + " over built-in " + builtIn.describe());
        }
        return new Decision(false, "built-in " + builtIn.describe());
    }

    /** The IPv4 address inside a NAT64 (RFC 6052) or 6to4 (RFC 3056) address, which is where packets end up. */
    private static byte[] embeddedIpv4(byte[] v6) {
        if (NAT64.containsBytes(v6)) {
            return Arrays.copyOfRange(v6, 12, 16);
        }
        if (SIX_TO_FOUR.containsBytes(v6)) {
            return Arrays.copyOfRange(v6, 2, 6);
        }
        return null;
    }

    private static List<Cidr> parseAll(Collection<String> texts, String field) {
        List<Cidr> result = new ArrayList<>();
        for (String text : texts) {
            try {
                result.add(Cidr.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
            }
        }
        return result;
    }

    @Override
    public String toString() {
        return "EgressPolicy[allow=" + allow + ", deny=" + deny + ", deny_ports=" + denyPorts + "]";
    }
}
