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

    /**
     * {@code s} with its control characters written as escapes ({@code \n}, {@code \t}, {@code \u001b}, ...): a
     * tensor name, label or file name from a stranger's file can then neither forge a line of output nor send
     * terminal escape codes.
     */
    static String printable(String s) {
        if (s == null) return "null";
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Character.isISOControl(c)) {
                if (b != null) b.append(c);
                continue;
            }
            if (b == null) b = new StringBuilder(s.length() + 8).append(s, 0, i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b == null ? s : b.toString();
    }

    /**
     * Writes one message line, {@code isthmus: } and {@code text}, with its control characters escaped: every error
     * and note the CLI prints goes through here, so a file name or a name from a file quoted in a message (an
     * exception's, a decoder's, picocli's) can neither forge a line nor send terminal escape codes.
     */
    static void message(PrintWriter err, String text) {
        err.println("isthmus: " + printable(text));
    }

    /** True when stderr is an interactive terminal (progress bars are drawn only then). */
    static boolean stderrIsTerminal() {
        String tty = System.getenv("ISTHMUS_STDERR_TTY");
        if (tty != null) return tty.equals("1");
        return System.console() != null && System.console().isTerminal();
    }
}
