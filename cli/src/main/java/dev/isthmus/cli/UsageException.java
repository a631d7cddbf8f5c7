package dev.isthmus.cli;

/** A mistake in how the command was called (exit code 2), found after parsing. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
