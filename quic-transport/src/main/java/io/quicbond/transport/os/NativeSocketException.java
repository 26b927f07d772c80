package io.quicbond.transport.os;

import java.io.IOException;

/** A native socket call failed; {@link #errno()} is the kernel's error number, or 0 when none applies. */
public final class NativeSocketException extends IOException {
    public static final int EPERM = 1;
    public static final int ENOPROTOOPT = 92;
    public static final int EPROTONOSUPPORT = 93;
    public static final int EINVAL = 22;

    private final int errno;

    NativeSocketException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    NativeSocketException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    public int errno() {
        return errno;
    }
}
