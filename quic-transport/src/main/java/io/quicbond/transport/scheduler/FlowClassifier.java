package io.quicbond.transport.scheduler;

import io.quicbond.transport.Destination;

/** Chooses a flow's policy when it opens (rules by protocol, port, destination, domain). Thread-safe. */
@FunctionalInterface
public interface FlowClassifier {
    Policy policyFor(boolean udp, Destination destination);

    static FlowClassifier always(Policy policy) {
        return (udp, destination) -> policy;
    }
}
