package dev.isthmus.cli;

import dev.isthmus.engine.kernels.Scratch;
import dev.isthmus.engine.runtime.Model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a loaded model holds, in one line for {@code inspect} and {@code --verbose}: the weights as the file has them
 * (mapped; their pages are dropped once the layers packed what they run on), what the layers hold (packed panels,
 * converted copies), the plan (the one buffer of intermediate values, per input shape and session), the kernels'
 * per-thread scratch, and the process's peak resident memory where the OS reports it.
 */
final class MemoryReport {
    private MemoryReport() {
    }

    /** {@code planBytes} < 0: no plan made (nothing run). */
    static String describe(Model m, long planBytes) {
        StringBuilder b = new StringBuilder("memory: weights ").append(Bytes.human(m.weightBytes()))
                .append(" mapped (pages released after packing), ").append(Bytes.human(m.heldBytes())).append(" held by the layers");
        if (planBytes >= 0) b.append(", plan ").append(Bytes.human(planBytes));
        b.append(", kernel scratch ").append(Bytes.human(Scratch.heldBytes()));
        long rss = peakRss();
        if (rss > 0) b.append("; process peak RSS ").append(Bytes.human(rss));
        return b.toString();
    }

    /** The process's peak resident set size in bytes (Linux: VmHWM of /proc/self/status), or -1. */
    static long peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: no number
        }
        return -1;
    }
}
