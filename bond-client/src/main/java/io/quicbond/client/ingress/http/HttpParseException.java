package io.quicbond.client.ingress.http;

/** A request the proxy cannot serve as sent; {@link #status()} is the HTTP status to answer with (400 or 431). */
final class HttpParseException extends Exception {
    private final int status;

    HttpParseException(int status, String message) {
        super(message);
        this.status = status;
    }

    int status() {
        return status;
    }
}
