package io.quicbond.client.config;

import java.util.List;

/**
 * A configuration (file, share link or command line options) that cannot be used. Each problem is one line that
 * names the source and the field, e.g. {@code "client.json: uplinks[1].bind_address: not an IP address: 'x'"};
 * the message is the problems joined by newlines. Never carries a secret.
 */
public final class ConfigException extends Exception {
    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a ConfigException needs at least one problem");
        }
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    /** Every problem found, in file order; at least one. */
    public List<String> problems() {
        return problems;
    }
}
