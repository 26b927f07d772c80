package io.quicbond.client.rules;

import static io.quicbond.transport.scheduler.Policy.AGGREGATE;
import static io.quicbond.transport.scheduler.Policy.FAILOVER;
import static io.quicbond.transport.scheduler.Policy.LOWEST_LATENCY;
import static io.quicbond.transport.scheduler.Policy.REDUNDANT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quicbond.transport.Destination;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRulesTest {
    private static final boolean UDP = true;
    private static final boolean TCP = false;

    private static PolicyRule rule(PolicyRule.Protocol protocol, String ports, List<String> cidrs, List<String> suffixes,
                                   io.quicbond.transport.scheduler.Policy policy) {
        return new PolicyRule(protocol, ports == null ? null : PortRanges.parse(ports),
                cidrs.stream().map(Cidr::parse).toList(), suffixes.stream().map(DomainSuffix::parse).toList(), policy);
    }

    @Test
    void callsAreRedundantAndEverythingElseAggregated() {
        // UDP 3478-3481 and 19302-19309 redundant, everything else aggregate.
        PolicyRules rules = new PolicyRules(List.of(
                rule(PolicyRule.Protocol.UDP, "3478-3481,19302-19309", List.of(), List.of(), REDUNDANT)), AGGREGATE);

        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("stun.l.google.com", 19302)));
        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("74.125.250.129", 19309)));
        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("2001:db8::1", 3478)));
        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("turn.example", 3481)));
        assertEquals(AGGREGATE, rules.policyFor(UDP, new Destination("turn.example", 3482)));
        assertEquals(AGGREGATE, rules.policyFor(UDP, new Destination("stun.l.google.com", 19310)));
        assertEquals(AGGREGATE, rules.policyFor(UDP, new Destination("dns.example", 53)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("turn.example", 3478)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("www.example.com", 443)));
    }

    @Test
    void firstMatchingRuleWins() {
        PolicyRules rules = new PolicyRules(List.of(
                rule(PolicyRule.Protocol.TCP, "22", List.of(), List.of(), LOWEST_LATENCY),
                rule(PolicyRule.Protocol.ANY, null, List.of("10.0.0.0/8"), List.of(), FAILOVER),
                rule(PolicyRule.Protocol.ANY, "22", List.of(), List.of(), REDUNDANT)), AGGREGATE);

        assertEquals(LOWEST_LATENCY, rules.policyFor(TCP, new Destination("10.1.2.3", 22)));
        assertEquals(FAILOVER, rules.policyFor(UDP, new Destination("10.1.2.3", 22)));
        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("192.0.2.1", 22)));
        assertEquals(AGGREGATE, rules.policyFor(UDP, new Destination("192.0.2.1", 23)));
    }

    @Test
    void cidrsMatchIpDestinationsOfTheirFamily() {
        PolicyRules rules = new PolicyRules(List.of(
                rule(PolicyRule.Protocol.ANY, null, List.of("192.168.0.0/16", "2001:db8::/32"), List.of(), FAILOVER)),
                AGGREGATE);

        assertEquals(FAILOVER, rules.policyFor(TCP, new Destination("192.168.7.1", 80)));
        assertEquals(FAILOVER, rules.policyFor(TCP, new Destination("[2001:db8:ffff::1]", 80)));
        assertEquals(FAILOVER, rules.policyFor(TCP, new Destination("::ffff:192.168.1.1", 80)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("192.169.0.1", 80)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("2001:db9::1", 80)));
        // A name is never resolved here, so it never falls in a network.
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("router.lan", 80)));
    }

    @Test
    void domainSuffixesMatchAtALabelBoundaryIgnoringCase() {
        PolicyRules rules = new PolicyRules(List.of(
                rule(PolicyRule.Protocol.ANY, null, List.of(), List.of("example.com", ".Zoom.US"), REDUNDANT)), AGGREGATE);

        assertEquals(REDUNDANT, rules.policyFor(TCP, new Destination("example.com", 443)));
        assertEquals(REDUNDANT, rules.policyFor(TCP, new Destination("a.example.com", 443)));
        assertEquals(REDUNDANT, rules.policyFor(TCP, new Destination("A.B.EXAMPLE.COM", 443)));
        assertEquals(REDUNDANT, rules.policyFor(TCP, new Destination("example.com.", 443)));
        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("us04web.zoom.us", 8801)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("badexample.com", 443)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("example.com.evil.net", 443)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("example.co", 443)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("\u212Aexample.com", 443)));
    }

    @Test
    void cidrsAndSuffixesTogetherMatchEither() {
        PolicyRules rules = new PolicyRules(List.of(
                rule(PolicyRule.Protocol.UDP, "443", List.of("203.0.113.0/24"), List.of("meet.example"), REDUNDANT)),
                AGGREGATE);

        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("203.0.113.9", 443)));
        assertEquals(REDUNDANT, rules.policyFor(UDP, new Destination("x.meet.example", 443)));
        assertEquals(AGGREGATE, rules.policyFor(UDP, new Destination("198.51.100.1", 443)));
        assertEquals(AGGREGATE, rules.policyFor(UDP, new Destination("x.meet.example", 444)));
        assertEquals(AGGREGATE, rules.policyFor(TCP, new Destination("x.meet.example", 443)));
    }

    @Test
    void aRuleWithNoCriteriaMatchesEverything() {
        PolicyRules rules = new PolicyRules(List.of(rule(PolicyRule.Protocol.ANY, null, List.of(), List.of(), FAILOVER)),
                AGGREGATE);
        assertEquals(FAILOVER, rules.policyFor(UDP, new Destination("anything", 0)));
    }

    @Test
    void noRulesMeansTheDefault() {
        assertEquals(LOWEST_LATENCY, new PolicyRules(List.of(), LOWEST_LATENCY).policyFor(TCP, new Destination("h", 1)));
    }
}
