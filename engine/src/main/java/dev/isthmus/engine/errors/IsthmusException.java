package dev.isthmus.engine.errors;

/** The root of every error isthmus reports about models and data. Messages are one line, naming what and where. */
public class IsthmusException extends RuntimeException {
    public IsthmusException(String message) {
        super(message);
    }

    public IsthmusException(String message, Throwable cause) {
        super(message, cause);
    }
}
