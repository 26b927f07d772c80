package io.quicbond.client.router;

/** A system tool refused part of the router set-up; the message names the command and its error. */
public final class RouterSetupException extends Exception {
    public RouterSetupException(String message) {
        super(message);
    }
}
