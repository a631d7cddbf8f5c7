package dev.isthmus.nativebind.onednn;

import dev.isthmus.engine.runtime.Model;
import dev.isthmus.engine.tensor.Tensor;
import dev.isthmus.formats.ModelLoader;
import dev.isthmus.formats.npy.Npy;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The RSS checks, run in a child JVM by {@link OneDnnMemoryTest} with a fixed, pre-touched heap (so that the Java
 * heap growing or shrinking is not mistaken for native memory). Prints {@code key=value} lines.
 * <ul>
 *   <li>{@code runs WARMUP N}: warm-up, then two windows of N runs of the seed CNN, then two of N of the seed GRU,
 *       all on oneDNN; VmRSS after each, and the time per run.</li>
 *   <li>{@code loads WARMUP N}: WARMUP then 2·N loads, runs and closes of both models; VmRSS before, between and
 *       after the two windows of N, and NMT's "Other" (where the JDK accounts FFM arena memory) before and after.</li>
 * </ul>
 */
public final class RssMain {
    private RssMain() {
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    static long settled() throws Exception {
        System.gc();
        Thread.sleep(100);
        return rssKb();
    }

    /** Committed kB of NMT's "Other" category (FFM arenas), or -1 without -XX:NativeMemoryTracking. */
    static long nmtOtherKb() throws Exception {
        Object r = ManagementFactory.getPlatformMBeanServer().invoke(
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand"), "vmNativeMemory",
                new Object[]{new String[]{"summary"}}, new String[]{String[].class.getName()});
        Pattern p = Pattern.compile("^-\\s+Other \\(reserved=\\d+KB, committed=(\\d+)KB");
        for (String line : String.valueOf(r).split("\n")) {
            Matcher m = p.matcher(line.trim());
            if (m.find()) return Long.parseLong(m.group(1));
        }
        return -1;
    }

    public static void main(String[] args) throws Exception {
        Path fixtures = Path.of(args[0]);
        String mode = args[1];
        int warmup = Integer.parseInt(args[2]), n = Integer.parseInt(args[3]);
        Path cnnModel = fixtures.resolve("cnn_seed/model.safetensors"), gruModel = fixtures.resolve("gru_seed/model.safetensors");
        Map<String, Tensor> x = Map.of("x", Npy.read(fixtures.resolve("cnn_seed/in_x.npy"), null));
        Map<String, Tensor> s = Map.of("x", Npy.read(fixtures.resolve("gru_seed/in_x.npy"), null));
        if (mode.equals("runs")) {
            try (Model cnn = ModelLoader.load(cnnModel, 1, "onednn"); Model gru = ModelLoader.load(gruModel, 1, "onednn")) {
                if (!cnn.usesBackend() || !gru.usesBackend()) throw new IllegalStateException("no node runs on oneDNN");
                for (int i = 0; i < warmup; i++) {
                    cnn.run(x);
                    gru.run(s);
                }
                System.out.println("warm=" + settled());
                long t0 = System.nanoTime();
                for (int i = 0; i < n; i++) cnn.run(x);
                long t1 = System.nanoTime();
                System.out.println("cnnA=" + settled());
                for (int i = 0; i < n; i++) cnn.run(x);
                System.out.println("cnnB=" + settled());
                long t2 = System.nanoTime();
                for (int i = 0; i < n; i++) gru.run(s);
                long t3 = System.nanoTime();
                System.out.println("gruA=" + settled());
                for (int i = 0; i < n; i++) gru.run(s);
                System.out.println("gruB=" + settled());
                System.out.printf("cnnMs=%.4f%ngruMs=%.4f%n", (t1 - t0) / 1e6 / n, (t3 - t2) / 1e6 / n);
            }
        } else {
            long t0 = 0;
            for (int i = 0; i < warmup + 2 * n; i++) {
                if (i == warmup) {
                    System.out.println("before=" + settled());
                    System.out.println("otherBefore=" + nmtOtherKb());
                    t0 = System.nanoTime();
                }
                if (i == warmup + n) System.out.println("middle=" + settled());
                try (Model cnn = ModelLoader.load(cnnModel, 1, "onednn"); Model gru = ModelLoader.load(gruModel, 1, "onednn")) {
                    cnn.run(x);
                    gru.run(s);
                }
            }
            System.out.printf("loadMs=%.3f%n", (System.nanoTime() - t0) / 1e6 / (2 * n));
            System.out.println("after=" + settled());
            System.out.println("otherAfter=" + nmtOtherKb());
        }
    }
}
