package io.quicbond.interop.matrix;

import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Records every {@link MatrixCell} test's outcome in {@link InteropMatrix#forTests()}: pass, FAIL (with the
 * failure's first line), or nothing when skipped. A test adds its key figure with {@link #figure(String)}. A
 * matrix that cannot be written never fails the test. Called by JUnit on the test's thread.
 */
public final class MatrixRecorder implements TestWatcher {
    private static final ConcurrentMap<Thread, String> FIGURES = new ConcurrentHashMap<>();

    /** The key figure of the test running on this thread, e.g. "37.2 Mbit/s"; the last call wins. */
    public static void figure(String figure) {
        FIGURES.put(Thread.currentThread(), figure);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        record(context, true, FIGURES.remove(Thread.currentThread()));
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        FIGURES.remove(Thread.currentThread());
        String message = String.valueOf(cause.getMessage()).lines().findFirst().orElse("");
        record(context, false, cause.getClass().getSimpleName() + ": " + message);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        FIGURES.remove(Thread.currentThread());
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        // not run: no cell
    }

    private static void record(ExtensionContext context, boolean pass, String figure) {
        MatrixCell cell = context.getRequiredTestMethod().getAnnotation(MatrixCell.class);
        if (cell == null) {
            return;
        }
        try {
            InteropMatrix.forTests().record(cell.peer(), cell.scenario(), pass, figure);
        } catch (UncheckedIOException e) {
            System.err.println("interop matrix not written: " + e.getMessage());
        }
    }
}
