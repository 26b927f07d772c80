package io.quicbond.client.rules;

import io.quicbond.transport.Destination;
import io.quicbond.transport.scheduler.FlowClassifier;
import io.quicbond.transport.scheduler.Policy;
import java.util.List;
import java.util.Objects;

/**
 * The configured policy rules as the bond's {@link FlowClassifier}: the first rule that matches a flow gives its
 * policy, and a flow no rule matches gets the default policy. Immutable; the bond calls {@link #policyFor} from
 * whichever thread opens a flow.
 *
 * <p>Example, "UDP 3478-3481 and 19302-19309 redundant, everything else aggregate":
 * {@code new PolicyRules(List.of(new PolicyRule(UDP, PortRanges.parse("3478-3481,19302-19309"), List.of(),
 * List.of(), REDUNDANT)), AGGREGATE)}.
 */
public final class PolicyRules implements FlowClassifier {
    private final List<PolicyRule> rules;
    private final Policy defaultPolicy;

    public PolicyRules(List<PolicyRule> rules, Policy defaultPolicy) {
        this.rules = List.copyOf(rules);
        this.defaultPolicy = Objects.requireNonNull(defaultPolicy, "defaultPolicy");
    }

    @Override
    public Policy policyFor(boolean udp, Destination destination) {
        for (PolicyRule rule : rules) {
            if (rule.matches(udp, destination)) {
                return rule.policy();
            }
        }
        return defaultPolicy;
    }

    public List<PolicyRule> rules() {
        return rules;
    }

    public Policy defaultPolicy() {
        return defaultPolicy;
    }
}
