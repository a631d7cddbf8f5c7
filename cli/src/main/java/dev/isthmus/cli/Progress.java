package dev.isthmus.cli;

import java.io.PrintWriter;

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
final class Progress {
    private final PrintWriter err;
    private final int total;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private int done;
    private long lastDraw;
    private boolean drawn;  // the bar is on screen now

    Progress(PrintWriter err, int total, boolean enabled) {
        this.err = err;
        this.total = total;
        this.enabled = enabled;
    }

    void advance() {
        done++;
        if (!enabled) return;
        long now = System.nanoTime();
        // redraw at once after a line was printed over it, else at most ten times a second
        if (drawn && now - lastDraw < 100_000_000L && done < total) return;
        lastDraw = now;
        int width = 30;
        int filled = (int) ((long) done * width / total);
        double secs = (now - start) / 1e9;
        String rate = secs > 0 ? String.format(java.util.Locale.ROOT, "%.0f/s", done / secs) : "";
        err.print("\r[" + "#".repeat(filled) + " ".repeat(width - filled) + "] " + done + "/" + total + " " + rate + "   ");
        err.flush();
        drawn = true;
    }

    /** Erases the bar so that a line can be printed. */
    void clear() {
        if (enabled && drawn) {
            err.print("\r" + " ".repeat(60) + "\r");
            err.flush();
            drawn = false;
        }
    }

    void done() {
        clear();
    }
}
