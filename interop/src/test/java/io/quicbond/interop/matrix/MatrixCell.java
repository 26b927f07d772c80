package io.quicbond.interop.matrix;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a real-peer test as one cell of the interop matrix; {@link MatrixRecorder} records its outcome.
 *
 * @see InteropMatrix
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface MatrixCell {
    /** The program at the other end, e.g. "curl 8 (SOCKS5)". */
    String peer();

    /** What was checked, e.g. "remote DNS page fetch". */
    String scenario();
}
