package io.quicbond.client.rules;

import io.quicbond.transport.Destination;
import io.quicbond.transport.net.IpLiterals;
import io.quicbond.transport.scheduler.Policy;
import java.util.List;
import java.util.Objects;

/**
 * One policy rule: flows that match get {@link #policy()}. Every criterion given must match; a criterion not given
 * (null port set, empty lists) matches everything. Immutable; any thread.
 *
 * <p>The destination criterion: with {@code cidrs} and/or {@code domainSuffixes} given, a destination matches when
 * it is an IP address inside one of the networks, or a domain name under one of the suffixes. Names are never
 * resolved here (the server resolves them), so a domain destination never matches a CIDR, and an IP destination
 * never matches a suffix.
 *
 * @param protocol       TCP, UDP or ANY
 * @param ports          destination ports; null = any port
 * @param cidrs          destination networks; empty = no network criterion
 * @param domainSuffixes destination domains; empty = no domain criterion
 * @param policy         the policy of a matching flow
 */
public record PolicyRule(Protocol protocol, PortRanges ports, List<Cidr> cidrs, List<DomainSuffix> domainSuffixes,
                         Policy policy) {

    /** Which flows a rule looks at. */
    public enum Protocol { TCP, UDP, ANY }

    public PolicyRule {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(policy, "policy");
        cidrs = cidrs != null ? List.copyOf(cidrs) : List.of();
        domainSuffixes = domainSuffixes != null ? List.copyOf(domainSuffixes) : List.of();
    }

    /** Whether a flow of this protocol to {@code destination} matches. */
    public boolean matches(boolean udp, Destination destination) {
        if (protocol == Protocol.TCP && udp || protocol == Protocol.UDP && !udp) {
            return false;
        }
        if (ports != null && !ports.contains(destination.port())) {
            return false;
        }
        if (cidrs.isEmpty() && domainSuffixes.isEmpty()) {
            return true;
        }
        if (destination.kind() == Destination.Kind.DOMAIN) {
            for (DomainSuffix s : domainSuffixes) {
                if (s.matches(destination.host())) {
                    return true;
                }
            }
            return false;
        }
        if (cidrs.isEmpty()) {
            return false;
        }
        byte[] address;
        try {
            address = IpLiterals.parse(destination.host());
        } catch (IllegalArgumentException e) {
            return false; // e.g. an IPv6 literal with a zone: no network in a rule can hold it
        }
        for (Cidr c : cidrs) {
            if (c.contains(address)) {
                return true;
            }
        }
        return false;
    }
}
