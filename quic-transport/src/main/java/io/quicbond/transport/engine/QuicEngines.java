package io.quicbond.transport.engine;

import io.quicbond.transport.engine.kwik.KwikEngine;
import io.quicbond.transport.engine.quiche.QuicheEngine;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * Makes the engine a config names: "quiche" (netty's QUIC codec over quiche: native, BBR; the default, since
 * the bond over it moved 3–4.5 times what it moves over kwik on this machine, docs/benchmarks.md) or "kwik"
 * (pure Java, runs wherever a JVM does). When quiche's native library cannot load on this machine, the result
 * is kwik and a warning says why.
 */
public final class QuicEngines {
    private static final Logger LOG = Logger.getLogger(QuicEngines.class.getName());
    public static final String DEFAULT = "quiche";
    public static final List<String> NAMES = List.of("kwik", "quiche");

    private QuicEngines() {
    }

    public static QuicEngine create(String name) {
        return switch (name) {
            case "kwik" -> new KwikEngine();
            case "quiche" -> {
                Optional<String> missing = QuicheEngine.availability();
                if (missing.isPresent()) {
                    LOG.warning(missing.get() + "; falling back to the kwik engine");
                    yield new KwikEngine();
                }
                yield new QuicheEngine();
            }
            default -> throw new IllegalArgumentException("unknown QUIC engine '" + name + "' (known: " + NAMES + ")");
        };
    }
}
