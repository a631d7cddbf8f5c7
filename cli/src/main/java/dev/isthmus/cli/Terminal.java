package dev.isthmus.cli;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Where the CLI writes messages. The {@code isthmus} launcher filters the JVM's start-up warning out of stderr,
 * which makes stderr a pipe; it says in {@code ISTHMUS_STDERR_TTY} whether the real stderr is a terminal.
 */
final class Terminal {
    private Terminal() {
    }

    /** The stream for messages. */
    static PrintWriter stderr() {
        return new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    }

    /** True when stderr is an interactive terminal (progress bars are drawn only then). */
    static boolean stderrIsTerminal() {
        String tty = System.getenv("ISTHMUS_STDERR_TTY");
        if (tty != null) return tty.equals("1");
        return System.console() != null && System.console().isTerminal();
    }
}
