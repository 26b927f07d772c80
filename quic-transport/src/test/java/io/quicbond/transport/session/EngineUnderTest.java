package io.quicbond.transport.session;

import io.quicbond.transport.engine.QuicEngine;
import io.quicbond.transport.engine.kwik.KwikEngine;
import io.quicbond.transport.engine.quiche.QuicheEngine;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The QUIC engines the end-to-end suite runs against: each {@code @ParameterizedTest @EnumSource(EngineUnderTest.class)}
 * runs once per engine. Engines made by {@link #create()} are closed by {@link #closeAll()} (their event loops are
 * daemon threads, but a suite that leaves them running grows by a loop group per test).
 */
enum EngineUnderTest {
    KWIK,
    QUICHE;

    private static final List<AutoCloseable> OPEN = new ArrayList<>();

    /** A fresh engine of this kind; skips the test where quiche's native library cannot load. */
    QuicEngine create() {
        return switch (this) {
            case KWIK -> new KwikEngine();
            case QUICHE -> {
                Assumptions.assumeTrue(QuicheEngine.availability().isEmpty(),
                        () -> "quiche engine unavailable here: " + QuicheEngine.availability().orElseThrow());
                QuicheEngine engine = new QuicheEngine();
                synchronized (OPEN) {
                    OPEN.add(engine);
                }
                yield engine;
            }
        };
    }

    /** Stops every engine made so far (after the bond that used them is closed). */
    static void closeAll() {
        List<AutoCloseable> engines;
        synchronized (OPEN) {
            engines = new ArrayList<>(OPEN);
            OPEN.clear();
        }
        for (AutoCloseable engine : engines) {
            try {
                engine.close();
            } catch (Exception ignored) {
                // best effort in a test's clean-up
            }
        }
    }
}
