package dev.isthmus.cli;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * Where the CLI writes messages. The {@code isthmus} launcher filters the JVM's own start-up warnings out of
 * stderr; it then hands the untouched stderr to the program as file descriptor {@code ISTHMUS_STDERR_FD} (and says
 * whether it is a terminal in {@code ISTHMUS_STDERR_TTY}), so messages and progress bars go straight through.
 */
final class Terminal {
    private Terminal() {
    }

    /** The stream for messages: the launcher's descriptor when given, else System.err. */
    static PrintWriter stderr() {
        String fd = System.getenv("ISTHMUS_STDERR_FD");
        if (fd != null && fd.matches("\\d+")) {
            try {
                OutputStream os = new FileOutputStream("/proc/self/fd/" + fd);
                return new PrintWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8), true);
            } catch (IOException | SecurityException e) {
                // fall through to System.err
            }
        }
        return new PrintWriter(new java.io.OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    }

    /** True when stderr is an interactive terminal (progress bars are drawn only then). */
    static boolean stderrIsTerminal() {
        String tty = System.getenv("ISTHMUS_STDERR_TTY");
        if (tty != null) return tty.equals("1");
        return System.console() != null && System.console().isTerminal();
    }
}
