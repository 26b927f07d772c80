package io.quicbond.transport.os;

/** A socket address or ancillary message from the kernel that does not parse: a clear error, never a crash. */
public final class ControlMessageException extends Exception {
    public ControlMessageException(String message) {
        super(message);
    }
}
